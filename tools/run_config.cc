#include "tools/run_config.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "ingest/format.h"
#include "ingest/text_file.h"
#include "rules/duration.h"

namespace aw::tools {
namespace {

// Collects the first problem with its place in the file.
class ConfigReader {
 public:
  explicit ConfigReader(std::string path) : path_(std::move(path)) {}

  Status fail(const YAML::Node& node, const std::string& message) const {
    std::string where = path_;
    if (node.IsDefined() && node.Mark().line >= 0) {
      where +=
          ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    }
    return Status::invalid_argument(where + ": " + message);
  }

  Status only_keys(const YAML::Node& map, const std::set<std::string>& allowed,
                   const std::string& what) const {
    if (!map.IsMap()) return fail(map, what + " must be a mapping");
    for (const auto& entry : map) {
      std::string key = entry.first.as<std::string>();
      if (!allowed.contains(key)) {
        std::string known;
        for (const std::string& k : allowed) known += (known.empty() ? "" : ", ") + k;
        return fail(entry.first,
                    "unknown key '" + key + "' in " + what + " (known: " + known + ")");
      }
    }
    return Status::ok_status();
  }

  Status text(const YAML::Node& node, const std::string& what, std::string* out) const {
    if (!node.IsDefined() || node.IsNull()) return Status::ok_status();
    if (!node.IsScalar()) return fail(node, what + " must be a string");
    *out = node.Scalar();
    return Status::ok_status();
  }

  template <typename T>
  Status number(const YAML::Node& node, const std::string& what, T min, T max, T* out) const {
    if (!node.IsDefined() || node.IsNull()) return Status::ok_status();
    T value{};
    if (!node.IsScalar() || !YAML::convert<T>::decode(node, value) || value < min || value > max) {
      return fail(node, what + " must be a number from " + std::to_string(min) + " to " +
                            std::to_string(max));
    }
    *out = value;
    return Status::ok_status();
  }

  Status duration_ms(const YAML::Node& node, const std::string& what, int* out) const {
    int64_t us = 0;
    AW_RETURN_IF_ERROR(duration_us(node, what, &us));
    if (node.IsDefined() && !node.IsNull()) *out = static_cast<int>(us / 1000);
    return Status::ok_status();
  }

  Status duration_us(const YAML::Node& node, const std::string& what, int64_t* out) const {
    if (!node.IsDefined() || node.IsNull()) return Status::ok_status();
    if (!node.IsScalar() || !rules::parse_duration(node.Scalar(), out) || *out < 0) {
      return fail(node, what + " must be a duration such as 50ms, 10s or 5m");
    }
    return Status::ok_status();
  }

 private:
  std::string path_;
};

Status read(const YAML::Node& root, const ConfigReader& r, RunConfig* c) {
  AW_RETURN_IF_ERROR(
      r.only_keys(root,
                  {"kafka", "audit_topics", "registry", "alerts", "dead_letter_topic", "store",
                   "rules", "action_classes", "batch", "commit_interval", "max_record_bytes",
                   "lag_log_interval", "seq_reorder_window", "metrics"},
                  "the config"));
  const YAML::Node kafka = root["kafka"];
  if (!kafka.IsDefined()) return r.fail(root, "'kafka' is required (bootstrap_servers at least)");
  AW_RETURN_IF_ERROR(
      r.only_keys(kafka, {"bootstrap_servers", "group_id", "properties"}, "'kafka'"));
  AW_RETURN_IF_ERROR(
      r.text(kafka["bootstrap_servers"], "kafka.bootstrap_servers", &c->bootstrap_servers));
  AW_RETURN_IF_ERROR(r.text(kafka["group_id"], "kafka.group_id", &c->group_id));
  if (const YAML::Node props = kafka["properties"]; props.IsDefined() && !props.IsNull()) {
    if (!props.IsMap()) return r.fail(props, "kafka.properties must be a mapping");
    for (const auto& entry : props) {
      std::string name = entry.first.as<std::string>();
      if (!entry.second.IsScalar()) {
        return r.fail(entry.second, "kafka.properties." + name + " must be a scalar");
      }
      // Ours: set from the keys above, or fixed by the exactly-once design.
      if (name == "bootstrap.servers" || name == "group.id" || name == "enable.auto.commit" ||
          name == "enable.auto.offset.store" || name == "enable.idempotence") {
        return r.fail(entry.first, "kafka.properties." + name +
                                       " is set by agentwatch (use kafka.bootstrap_servers / "
                                       "kafka.group_id; offsets are committed after the store "
                                       "write)");
      }
      c->properties.emplace_back(name, entry.second.Scalar());
    }
  }
  if (c->bootstrap_servers.empty()) {
    return r.fail(kafka, "kafka.bootstrap_servers is required");
  }

  const YAML::Node topics = root["audit_topics"];
  if (!topics.IsDefined() || !topics.IsSequence() || topics.size() == 0) {
    return r.fail(topics.IsDefined() ? topics : root,
                  "audit_topics must list at least one topic ({topic: NAME, format: F})");
  }
  for (const YAML::Node& t : topics) {
    AuditTopic topic;
    if (t.IsScalar()) {
      topic.topic = t.Scalar();
    } else {
      AW_RETURN_IF_ERROR(r.only_keys(t, {"topic", "format", "mapping"}, "an audit topic"));
      AW_RETURN_IF_ERROR(r.text(t["topic"], "audit_topics[].topic", &topic.topic));
      AW_RETURN_IF_ERROR(r.text(t["format"], "audit_topics[].format", &topic.format));
      AW_RETURN_IF_ERROR(r.text(t["mapping"], "audit_topics[].mapping", &topic.mapping));
      if (!ingest::parse_format(topic.format).ok()) {
        return r.fail(t["format"], "unknown format '" + topic.format + "' (" +
                                       ingest::parse_format(topic.format).status().message() + ")");
      }
    }
    if (topic.topic.empty()) return r.fail(t, "an audit topic needs a name or a ^regex");
    c->audit_topics.push_back(topic);
  }

  if (const YAML::Node reg = root["registry"]; reg.IsDefined()) {
    AW_RETURN_IF_ERROR(r.only_keys(reg, {"file", "topic"}, "'registry'"));
    AW_RETURN_IF_ERROR(r.text(reg["file"], "registry.file", &c->registry_file));
    AW_RETURN_IF_ERROR(r.text(reg["topic"], "registry.topic", &c->registry_topic));
  }
  if (const YAML::Node alerts = root["alerts"]; alerts.IsDefined()) {
    AW_RETURN_IF_ERROR(
        r.only_keys(alerts, {"topic", "format", "file", "suppress_window"}, "'alerts'"));
    AW_RETURN_IF_ERROR(r.text(alerts["topic"], "alerts.topic", &c->alert_topic));
    AW_RETURN_IF_ERROR(r.text(alerts["format"], "alerts.format", &c->alert_format));
    AW_RETURN_IF_ERROR(r.text(alerts["file"], "alerts.file", &c->alerts_file));
    AW_RETURN_IF_ERROR(
        r.duration_us(alerts["suppress_window"], "alerts.suppress_window", &c->suppress_window_us));
    if (c->alert_format != "native" && c->alert_format != "ocsf") {
      return r.fail(alerts["format"], "alerts.format must be native or ocsf");
    }
  }
  AW_RETURN_IF_ERROR(r.text(root["dead_letter_topic"], "dead_letter_topic", &c->dead_letter_topic));
  if (const YAML::Node store = root["store"]; store.IsDefined()) {
    if (store.IsScalar()) {
      c->store = store.Scalar();
    } else {
      AW_RETURN_IF_ERROR(
          r.only_keys(store, {"path", "retention_days", "resume_free_mb"}, "'store'"));
      AW_RETURN_IF_ERROR(r.text(store["path"], "store.path", &c->store));
      AW_RETURN_IF_ERROR(r.number<uint32_t>(store["retention_days"], "store.retention_days", 0,
                                            100000, &c->retention_days));
      AW_RETURN_IF_ERROR(r.number<uint64_t>(store["resume_free_mb"], "store.resume_free_mb", 1,
                                            uint64_t{1} << 30, &c->store_resume_free_mb));
    }
  }
  if (c->store.empty()) {
    return r.fail(root, "store.path is required: offsets live in the evidence store");
  }
  if (const YAML::Node rules = root["rules"]; rules.IsDefined() && !rules.IsNull()) {
    if (!rules.IsSequence()) return r.fail(rules, "rules must list rule directories or files");
    for (const YAML::Node& path : rules) {
      if (!path.IsScalar()) return r.fail(path, "rules entries must be paths");
      c->rule_paths.push_back(path.Scalar());
    }
  }
  AW_RETURN_IF_ERROR(r.text(root["action_classes"], "action_classes", &c->action_classes));
  if (const YAML::Node batch = root["batch"]; batch.IsDefined()) {
    AW_RETURN_IF_ERROR(r.only_keys(batch, {"max_records", "max_wait"}, "'batch'"));
    AW_RETURN_IF_ERROR(r.number<size_t>(batch["max_records"], "batch.max_records", 1, 1000000,
                                        &c->batch_max_records));
    AW_RETURN_IF_ERROR(r.duration_ms(batch["max_wait"], "batch.max_wait", &c->batch_max_wait_ms));
  }
  AW_RETURN_IF_ERROR(
      r.duration_ms(root["commit_interval"], "commit_interval", &c->commit_interval_ms));
  AW_RETURN_IF_ERROR(
      r.duration_ms(root["lag_log_interval"], "lag_log_interval", &c->lag_log_interval_ms));
  if (const YAML::Node metrics = root["metrics"]; metrics.IsDefined()) {
    AW_RETURN_IF_ERROR(r.only_keys(metrics, {"port", "bind"}, "'metrics'"));
    AW_RETURN_IF_ERROR(r.number<int>(metrics["port"], "metrics.port", 0, 65535, &c->metrics_port));
    AW_RETURN_IF_ERROR(r.text(metrics["bind"], "metrics.bind", &c->metrics_bind));
  }
  AW_RETURN_IF_ERROR(r.number<uint32_t>(root["seq_reorder_window"], "seq_reorder_window", 0,
                                        1u << 24, &c->seq_reorder_window));
  AW_RETURN_IF_ERROR(r.number<size_t>(root["max_record_bytes"], "max_record_bytes", 1024,
                                      size_t{64} << 20, &c->max_record_bytes));
  return Status::ok_status();
}

}  // namespace

Result<RunConfig> load_run_config(const std::string& path) {
  // yaml-cpp's LoadFile let a directory's read error escape: `run --config /tmp` aborted.
  std::string text;
  ingest::TextFileError error = ingest::read_text_file(path, &text);
  if (error == ingest::TextFileError::kCannotOpen) {
    return Status::not_found("cannot read config '" + path + "'");
  }
  if (error != ingest::TextFileError::kNone) {
    return Status::invalid_argument("cannot read config '" + path +
                                    "': " + ingest::text_file_error_reason(error));
  }
  return parse_run_config(text, path);
}

Result<RunConfig> parse_run_config(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Status::invalid_argument(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  RunConfig config;
  config.path = origin;
  ConfigReader reader(origin);
  try {
    AW_RETURN_IF_ERROR(read(root, reader, &config));
  } catch (const YAML::Exception& e) {  // a conversion the checks above did not foresee
    return Status::invalid_argument(origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                                    std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return config;
}

}  // namespace aw::tools
