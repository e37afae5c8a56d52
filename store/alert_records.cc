#include "store/alert_records.h"

namespace aw::store {

std::span<const AlertRecord> AlertRecordBuilder::build(const detect::AlertBuffer& alerts,
                                                       const rules::RuleSet& rules,
                                                       std::span<const ingest::Event> events) {
  text_.clear();
  offsets_.clear();
  records_.clear();
  const auto& rule_list = rules.rules();
  for (const detect::Alert& alert : alerts.alerts) {
    const ingest::Event& event = events[alert.event_index];
    Offsets o;
    o.json_begin = text_.size();
    detect::render_alert(detect::AlertFormat::kNative, alert, rule_list[alert.rule_index], event,
                         &text_);
    o.json_end = o.key_begin = text_.size();
    detect::append_event_key(event, &text_);
    o.key_end = o.feed_begin = o.feed_end = text_.size();
    if (feed_ == detect::AlertFormat::kOcsf) {
      detect::render_alert(*feed_, alert, rule_list[alert.rule_index], event, &text_);
      o.feed_end = text_.size();
    } else if (feed_) {
      o.feed_begin = o.json_begin;
      o.feed_end = o.json_end;
    }
    offsets_.push_back(o);
  }
  std::string_view text(text_);
  for (size_t i = 0; i < alerts.alerts.size(); ++i) {
    const detect::Alert& alert = alerts.alerts[i];
    const rules::CompiledRule& rule = rule_list[alert.rule_index];
    const ingest::Event& event = events[alert.event_index];
    const Offsets& o = offsets_[i];
    AlertRecord record;
    record.id = std::string_view(alert.id.data(), alert.id.size());
    record.rule = rule.id;
    record.severity = rule.severity;
    record.agent = event.actor_id;
    record.event_key = text.substr(o.key_begin, o.key_end - o.key_begin);
    record.event_time_us = event.ts_us;
    record.detected_at_us = alert.detected_at_us;
    record.retro = alert.retro;
    record.json = text.substr(o.json_begin, o.json_end - o.json_begin);
    record.feed = text.substr(o.feed_begin, o.feed_end - o.feed_begin);
    records_.push_back(record);
  }
  return records_;
}

}  // namespace aw::store
