"""
Reads an Airflow DAG file with Python's `ast` (Airflow is not installed on these machines, and nothing of the
file is executed) and prints, as JSON, what test/orchestration/dag.test.ts runs and checks:

  dag        the DAG(...) keywords that are literals (dag_id, schedule, catchup, max_active_runs), and
             default_args (timedelta values in seconds)
  constants  module-level string constants (RUN_KEY, XCOM, ...)
  tasks      every `name = <factory>(task_id=..., arguments=[...], ...)` inside the `with DAG(...)` block:
             task_id, the operator (called directly or returned by a module-level factory function), arguments (names resolved to the constants), pool,
             execution_timeout in seconds, do_xcom_push
  edges      [upstream task_id, downstream task_id] from the `a >> b >> [c, d]` statements

Usage: python3 dag_tasks.py path/to/dag.py
Exits 1 with a message on stderr when the file has a construct this reader does not understand (so a DAG the
test cannot check fails the test instead of being skipped).
"""

from __future__ import annotations

import ast
import json
import sys


class Unsupported(Exception):
    pass


def seconds_of_timedelta(node: ast.AST) -> int:
    """timedelta(hours=.., minutes=.., seconds=..) with literal numbers, in seconds."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "timedelta"):
        raise Unsupported(f"line {node.lineno}: expected timedelta(...)")
    units = {"weeks": 604800, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}
    total = 0
    for kw in node.keywords:
        if kw.arg not in units:
            raise Unsupported(f"line {node.lineno}: timedelta({kw.arg}=...)")
        total += ast.literal_eval(kw.value) * units[kw.arg]
    return int(total)


def value_of(node: ast.AST, constants: dict[str, str]):
    """A literal, a module constant, a list of those, a dict of those, or a timedelta (seconds)."""
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    if isinstance(node, ast.List):
        return [value_of(e, constants) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {ast.literal_eval(k): value_of(v, constants) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "timedelta":
        return seconds_of_timedelta(node)
    return ast.literal_eval(node)


def task_refs(node: ast.AST) -> list[str]:
    """The variables of one side of `>>`: a name or a list of names."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.List):
        return [n for e in node.elts for n in task_refs(e)]
    raise Unsupported(f"line {node.lineno}: a dependency side that is not a task or a list of tasks")


def chain_edges(node: ast.AST) -> tuple[list[tuple[str, str]], list[str]]:
    """Edges of a `>>` chain and the tasks at its right end."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        left_edges, left_end = chain_edges(node.left)
        right = task_refs(node.right)
        return left_edges + [(a, b) for a in left_end for b in right], right
    return [], task_refs(node)


def read(path: str) -> dict:
    module = ast.parse(open(path, encoding="utf-8").read(), filename=path)
    constants: dict[str, str] = {}
    default_args: dict = {}
    for stmt in module.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                constants[name] = stmt.value.value
            elif name == "default_args":
                default_args = value_of(stmt.value, constants)

    # Module-level functions that return an operator: name -> the operator class they instantiate.
    factories = {
        f.name: ast.unparse(r.value.func)
        for f in module.body
        if isinstance(f, ast.FunctionDef)
        for r in ast.walk(f)
        if isinstance(r, ast.Return) and isinstance(r.value, ast.Call)
    }

    withs = [s for s in module.body if isinstance(s, ast.With)]
    dag_blocks = [
        w for w in withs if any(isinstance(i.context_expr, ast.Call) and getattr(i.context_expr.func, "id", None) == "DAG" for i in w.items)
    ]
    if len(dag_blocks) != 1:
        raise Unsupported(f"expected one `with DAG(...)` block, found {len(dag_blocks)}")
    block = dag_blocks[0]
    dag_call = next(i.context_expr for i in block.items if isinstance(i.context_expr, ast.Call))
    dag: dict = {"default_args": default_args}
    for kw in dag_call.keywords:
        if kw.arg in ("dag_id", "schedule", "catchup", "max_active_runs"):
            dag[kw.arg] = ast.literal_eval(kw.value)

    tasks = []
    variables: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    for stmt in block.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg is not None}
            if "task_id" not in keywords:
                raise Unsupported(f"line {stmt.lineno}: a call without task_id inside the DAG block")
            task_id = ast.literal_eval(keywords["task_id"])
            variables[stmt.targets[0].id] = task_id
            tasks.append(
                {
                    "taskId": task_id,
                    "operator": factories.get(ast.unparse(call.func), ast.unparse(call.func)),
                    "arguments": value_of(keywords["arguments"], constants) if "arguments" in keywords else None,
                    "pool": ast.literal_eval(keywords["pool"]) if "pool" in keywords else None,
                    "executionTimeoutSeconds": seconds_of_timedelta(keywords["execution_timeout"]) if "execution_timeout" in keywords else None,
                    "doXcomPush": ast.literal_eval(keywords["do_xcom_push"]) if "do_xcom_push" in keywords else False,
                }
            )
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.BinOp):
            found, _ = chain_edges(stmt.value)
            edges.extend(found)
        elif not isinstance(stmt, ast.Expr):
            raise Unsupported(f"line {stmt.lineno}: a statement this reader does not understand inside the DAG block")

    for a, b in edges:
        for name in (a, b):
            if name not in variables:
                raise Unsupported(f"a dependency on {name}, which is not a task of the DAG block")
    return {
        "dag": dag,
        "constants": constants,
        "tasks": tasks,
        "edges": [[variables[a], variables[b]] for a, b in edges],
    }


if __name__ == "__main__":
    try:
        print(json.dumps(read(sys.argv[1]), indent=2))
    except (Unsupported, ValueError, SyntaxError) as error:
        print(f"dag_tasks.py: {error}", file=sys.stderr)
        sys.exit(1)
