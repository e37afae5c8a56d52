# The freeze-violation selection of agentwatch's built-in rule (rules/packs/builtin/
# freeze-violation.yaml), done by jq over JSON Lines. jq has no registry: the freezes, the
# break-glass approvals and the action-class table come as data from extract_windows.py:
#
#   jq -c --slurpfile W windows.json -f freeze.jq events.jsonl
#
# Per event, cheapest tests first, as the rule reads them:
#   1. env in a freeze's envs and freeze.from <= ts < freeze.until   (freeze.active ...)
#   2. and the freeze's resource globs match resource.name           (... Registry::freeze_at)
#   3. action.class in [write, delete, admin, escalate]; an event without action.class gets one
#      from the action-class table (whole verb, then its first word, case-insensitive; then the
#      tool globs in order; else "unknown"), as rules/action_class_table.h does
#   4. and no break-glass approval of actor.id covers the class, resource.name and ts
# Prints {"source","id","ts","freeze"} per selected event. An event whose ts is not
# "YYYY-MM-DDTHH:MM:SS[.f{1..9}]Z" cannot be compared as text: it prints {"unhandled_ts": id}.
# Not done here (agentwatch does it): other time zones and formats in ts, de-duplication by
# source and id (done afterwards over the selected lines), and every other rule.

$W[0] as $w
| def ts27:
    if (length == 27 and .[19:20] == "." and .[26:27] == "Z") then .
    elif test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$") then .[0:19] + ".000000Z"
    elif test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{1,9}Z$")
    then .[0:19] + "." + ((.[20:-1] + "000000")[0:6]) + "Z"
    else null end;
  def matches_any($res): . as $s | ($res | length == 0) or any($res[]; . as $re | $s | test($re));
  def action_class:
    if (.action.class // "") != "" then .action.class
    else
      ((.action.verb // "") | ascii_downcase) as $v
      | (if $v == "" then null else ($w.verbs[$v] // $w.verbs[($v | split(" ") | .[0])]) end)
        // ((.action.tool // "") as $t
            | if $t == "" then null
              else first($w.tools[] | select(.[0] as $re | $t | test($re)) | .[1]) // null end)
        // "unknown"
    end;
  (.ts // "" | ts27) as $ts
| if $ts == null then {unhandled_ts: .id}
  else
    (.env // "") as $env
    | (.resource.name // "") as $res
    | first($w.freezes[]
            | select((.envs | index([$env])) != null and .from <= $ts and $ts < .until)
            | select(.res as $r | $res | matches_any($r)))
      as $freeze
    | action_class as $class
    | select($class == "write" or $class == "delete" or $class == "admin" or $class == "escalate")
    | select(any(($w.breakglass[.actor.id // ""] // [])[];
                 (.classes | index([$class])) != null and .from <= $ts and $ts < .until
                 and (.res as $r | $res | matches_any($r))) | not)
    | {source, id, ts, freeze: $freeze.id}
  end
