#!/usr/bin/python3
"""The API benchmark's peer: the same to-do API as chapter 07's (POST
/todos, GET /todos/{id}, GET /todos?limit=&after=), in FastAPI on uvicorn
with uvloop and httptools, FastAPI's usual deployment. Prints its port,
then serves until SIGTERM."""
import socket
import sys

import uvicorn
from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

app = FastAPI()
todos = {}  # id -> dict, in id order (dicts keep insertion order)
next_id = 1


class NewTodo(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    done: bool = False


@app.post("/todos", status_code=201)
def create(todo: NewTodo):
    global next_id
    item = {"id": next_id, "title": todo.title, "done": todo.done, "minutes": None, "version": 1}
    todos[next_id] = item
    next_id += 1
    return item


@app.get("/todos/{todo_id}")
def read(todo_id: int):
    if todo_id not in todos:
        raise HTTPException(404, "no such to-do")
    return todos[todo_id]


@app.get("/todos")
def page(limit: int = Query(20, ge=1, le=100), after: int = Query(0, ge=0)):
    items = [t for i, t in todos.items() if i > after][:limit + 1]
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next": items[-1]["id"] if more and items else None}


def main():
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    sock.listen(1024)  # connections wait in the backlog until uvicorn accepts them
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(app, loop="uvloop", http="httptools", log_level="warning",
                            access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
