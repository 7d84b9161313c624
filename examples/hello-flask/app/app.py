"""A small Flask app for Slipway's example: it reports which version answered."""
import os
import socket

from flask import Flask, jsonify

app = Flask(__name__)
VERSION = os.environ.get("SLIPWAY_VERSION", "dev")
GREETING = os.environ.get("GREETING", "Hello")


@app.get("/")
def index():
    return f"{GREETING} from hello-flask, version {VERSION}, replica {socket.gethostname()}\n"


@app.get("/healthz")
def healthz():
    return jsonify(status="ok", version=VERSION)
