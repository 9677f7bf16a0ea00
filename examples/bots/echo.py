#!/usr/bin/env python3
"""An example Hongyan bot in Python 3, standard library only.

It long-polls the bot API for events and answers every direct message, and
every group message that mentions it, with "echo: " and the text. See
docs/bots.md.

    HONGYAN_SERVER=http://127.0.0.1:8080 HONGYAN_BOT_TOKEN=hyb_... python3 examples/bots/echo.py
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

SERVER = os.environ.get("HONGYAN_SERVER", "http://127.0.0.1:8080").rstrip("/")
TOKEN = os.environ.get("HONGYAN_BOT_TOKEN", "")


def call(method, path, body=None, timeout=70):
    """Calls the bot API and returns the decoded JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(SERVER + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        err = json.load(e).get("error", {})
        raise RuntimeError("%s %s: %d %s: %s" % (method, path, e.code, err.get("code"), err.get("message")))


def main():
    if not TOKEN:
        sys.exit("set HONGYAN_BOT_TOKEN to the bot's token (hongyan cli bot create NAME prints one)")
    me = call("GET", "/bot/v1/me")
    print("bot %r listening" % me["name"], flush=True)
    after = 0
    while True:
        try:
            page = call("GET", "/bot/v1/events?timeout=25&after=%d" % after)
        except (RuntimeError, OSError) as e:
            print("events: %s; retrying in 2 s" % e, file=sys.stderr, flush=True)
            time.sleep(2)
            continue
        for e in page["events"]:
            d = e["data"]
            if e["type"] in ("message", "mention") and d.get("kind") == "text":
                reply = {"chat": d["chat"], "text": "echo: " + d.get("text", ""), "client_id": "echo-" + e["id"]}
                try:
                    call("POST", "/bot/v1/messages", reply)
                except RuntimeError as err:
                    print("reply to %s: %s" % (e["id"], err), file=sys.stderr, flush=True)
        after = page["next"]


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
