#!/usr/bin/env python3
"""Converts mozilla-ai/any-agent trace files (any-agent/*_trace.json, its own serialization:
decimal ids, a flat attribute dict) into OTLP/JSON, one ExportTraceServiceRequest per line, as
the OpenTelemetry Collector's file and Kafka exporters write it. Faithful: every span, in file
order (children before their invoke_agent parent, as spans end), every attribute under its
original name (the older gen_ai.tool.args / gen_ai.output / call_llm names stay, so the decoder's
aliases are exercised), ids as hex, times as decimal strings, status codes as OTLP enums.

Usage: python3 convert_any_agent.py   (writes any-agent_<FRAMEWORK>.otlp.jsonl beside itself)
"""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
STATUS = {"unset": 0, "ok": 1, "error": 2}


def any_value(value):
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [any_value(v) for v in value]}}
    return {"stringValue": str(value)}


def attributes(mapping):
    return [{"key": k, "value": any_value(v)} for k, v in mapping.items()]


def span(s):
    out = {
        "traceId": "%032x" % s["context"]["trace_id"],
        "spanId": "%016x" % s["context"]["span_id"],
        "name": s["name"],
        "kind": KINDS.get(s.get("kind", "internal"), 0),
        "startTimeUnixNano": str(s["start_time"]),
        "endTimeUnixNano": str(s["end_time"]),
        "attributes": attributes(s.get("attributes", {})),
    }
    parent = s.get("parent") or {}
    if parent.get("span_id") is not None:
        out["parentSpanId"] = "%016x" % parent["span_id"]
    status = s.get("status") or {}
    code = STATUS.get(status.get("status_code", "unset"), 0)
    out["status"] = {"code": code} if code else {}
    if status.get("description"):
        out["status"]["message"] = status["description"]
    return out


for path in sorted(glob.glob(os.path.join(HERE, "any-agent", "*_trace.json"))):
    trace = json.load(open(path))
    spans = trace["spans"]
    resource = spans[0].get("resource", {}).get("attributes", {})
    request = {"resourceSpans": [{
        "resource": {"attributes": attributes(resource)},
        "scopeSpans": [{"scope": {"name": "any_agent"}, "spans": [span(s) for s in spans]}],
    }]}
    framework = os.path.basename(path)[len("any-agent_"):-len("_trace.json")]
    with open(os.path.join(HERE, "any-agent_%s.otlp.jsonl" % framework), "w") as out:
        out.write(json.dumps(request, separators=(",", ":")) + "\n")
