/** The tests take their free ports where the view-migration script does (src/db/free-port.ts). */
export { freePort } from "../../src/db/free-port.js";
