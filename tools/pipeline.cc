#include "tools/pipeline.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "detect/registry_loader.h"
#include "ingest/timestamp.h"

namespace aw::tools {

Result<std::unique_ptr<Pipeline>> Pipeline::open(const PipelineOptions& options) {
  std::unique_ptr<Pipeline> self(new Pipeline());
  self->options_ = options;
  self->table_ = &rules::ActionClassTable::builtin();
  if (!options.action_classes.empty()) {
    auto loaded = rules::ActionClassTable::load_file(options.action_classes);
    if (!loaded.ok()) return loaded.status();
    self->user_table_.emplace(std::move(loaded.value()));
    self->table_ = &*self->user_table_;
  }
  const bool detect =
      options.always_detect || !options.registry.empty() || !options.rule_paths.empty();
  if (detect) {
    rules::RuleSetOptions rule_options;
    rule_options.paths = options.rule_paths;
    auto loaded_rules = rules::RuleSet::load(rule_options);
    if (!loaded_rules.ok()) return loaded_rules.status();
    self->rule_set_.emplace(std::move(loaded_rules.value()));
    if (!options.registry.empty()) {
      auto loaded = detect::load_registry_file(options.registry);
      if (!loaded.ok()) return loaded.status();
      self->registry_.emplace(std::move(loaded.value()));
    } else {
      self->registry_.emplace();  // no registry: every actor is unknown, and says so
    }
    detect::EngineOptions engine_options;
    engine_options.detected_at_us = options.detected_at_us;
    engine_options.correlation.seq_reorder_window = options.seq_reorder_window;
    self->engine_.emplace(*self->rule_set_, *self->registry_, engine_options);
  }
  if (!options.alerts_out.empty()) {
    auto opened =
        detect::AlertWriter::open(options.alerts_out, options.alert_format, options.append_alerts);
    if (!opened.ok()) return opened.status();
    self->alert_writer_.emplace(std::move(opened.value()));
  }
  if (!options.store.empty()) {
    store::StoreOptions store_options;
    store_options.path = options.store;
    store_options.retention_days = options.retention_days;
    if (options.store_group_events > 0) store_options.group_events = options.store_group_events;
    auto opened = store::EvidenceStore::open(store_options);
    if (!opened.ok()) return opened.status();
    self->store_.emplace(std::move(opened.value()));
    if (options.feed) self->alert_records_.enable_feed(*options.feed);
    auto history = self->store_->registry_history();
    if (!history.ok()) return history.status();
    for (const auto& change : *history) {
      self->known_changes_.insert(
          change_key(change.op, change.kind, change.id, change.at_us, change.text));
    }
    if (!options.registry.empty()) {
      std::ifstream in(options.registry);
      std::stringstream text;
      text << in.rdbuf();
      self->pending_changes_.push_back(
          Change{"load", "registry", options.registry, ingest::kMinTimeUs, text.str()});
    }
  }
  return self;
}

Pipeline::~Pipeline() = default;

Status Pipeline::process(ingest::EventBatch& batch, size_t records, std::string_view origin,
                         std::span<const store::PositionRecord> positions) {
  counters_.records += records;
  counters_.events += batch.events.size();
  counters_.registry_updates += batch.controls.size();
  alerts_.clear();
  retro_json_.clear();
  if (engine_) {
    // The previous batch's dead letters (read by the caller's sink since) pointed at these.
    engine_->clear_rejected_updates();
    engine_->process(batch, origin, alerts_);
    if (alert_writer_) AW_RETURN_IF_ERROR(alert_writer_->write(alerts_, *rule_set_, batch.events));
    // Refused registry updates are bad records too: dead-letter them with the reason.
    for (const detect::RejectedUpdate& rejected : engine_->rejected_updates()) {
      batch.dead_letters.push_back(ingest::DeadLetter{
          ingest::DecodeError::kInvalidRegistryUpdate, "registry_update", rejected.record.raw,
          rejected.record.raw.size(), rejected.record.position, rejected.message});
      --counters_.registry_updates;
    }
  }
  for (const ingest::DeadLetter& letter : batch.dead_letters) {
    ++counters_.dead_by_reason[static_cast<int>(letter.reason)];
  }
  if (store_) {
    AW_RETURN_IF_ERROR(store_batch(batch, origin, positions));
    if (engine_) {
      auto retro = rejudge();
      if (!retro.ok()) return retro.status();
      counters_.retro_alerts += *retro;
    }
  } else if (engine_) {
    engine_->clear_applied_updates();
  }
  return Status::ok_status();
}

std::string Pipeline::change_key(std::string_view op, std::string_view kind, std::string_view id,
                                 int64_t at, std::string_view text) {
  std::string key;
  for (std::string_view part : {op, kind, id, text}) {
    key += std::to_string(part.size());
    key += ':';
    key += part;
  }
  return key + std::to_string(at);
}

Status Pipeline::store_batch(const ingest::EventBatch& batch, std::string_view origin,
                             std::span<const store::PositionRecord> positions) {
  if (engine_) {
    for (const detect::AppliedRecord& applied : engine_->applied_updates()) {
      pending_changes_.push_back(Change{applied.update.op, applied.update.kind, applied.update.id,
                                        applied.update.at, std::string(applied.record.raw)});
    }
    engine_->clear_applied_updates();
  }
  std::vector<store::RegistryChangeRecord> changes;
  for (const Change& c : pending_changes_) {
    if (!known_changes_.insert(change_key(c.op, c.kind, c.id, c.at, c.text)).second) continue;
    changes.push_back(store::RegistryChangeRecord{c.op, c.kind, c.id, c.at, c.text});
  }
  store::WriteInput input;
  input.events = batch.events;
  input.origin = origin;
  if (engine_ && !alerts_.alerts.empty()) {
    input.alerts = alert_records_.build(alerts_, *rule_set_, batch.events);
    if (options_.feed && options_.suppress_window_us > 0) {
      input.alerts = suppress(input.alerts, alerts_, batch.events);
    }
  }
  input.registry_changes = changes;
  input.positions = positions;
  Status written = store_->write(input);
  pending_changes_.clear();
  return written;
}

std::span<const store::AlertRecord> Pipeline::suppress(std::span<const store::AlertRecord> records,
                                                       const detect::AlertBuffer& alerts,
                                                       std::span<const ingest::Event> events) {
  suppressed_records_.assign(records.begin(), records.end());
  suppressed_feeds_.clear();
  suppressed_feeds_.reserve(records.size());  // views below point into these strings
  for (size_t i = 0; i < suppressed_records_.size(); ++i) {
    store::AlertRecord& record = suppressed_records_[i];
    const ingest::Event& event = events[alerts.alerts[i].event_index];
    key_.assign(record.rule);
    key_ += '|';
    key_ += record.agent;
    key_ += '|';
    key_ += event.resource_name;
    auto [it, first] = suppression_.try_emplace(key_, Suppression{record.event_time_us, 0});
    Suppression& s = it->second;
    if (!first && record.event_time_us >= s.fed_at_us &&
        record.event_time_us - s.fed_at_us < options_.suppress_window_us) {
      ++s.held_back;
      record.feed = {};  // stored, not fed
      continue;
    }
    if (!first && s.held_back > 0 && !record.feed.empty() && record.feed.back() == '}') {
      std::string feed(record.feed.substr(0, record.feed.size() - 1));
      feed += ",\"suppressed\":" + std::to_string(s.held_back) + "}";
      suppressed_feeds_.push_back(std::move(feed));
      record.feed = suppressed_feeds_.back();
    }
    s.fed_at_us = record.event_time_us;
    s.held_back = 0;
  }
  return suppressed_records_;
}

// Re-judges the stored events each late update asks for; new alerts are stored (and written
// to the alert file) marked retro. Returns the number of retro alerts raised.
Result<uint64_t> Pipeline::rejudge() {
  detect::Engine& engine = *engine_;
  if (engine.rechecks().empty()) return uint64_t{0};
  // Make this batch's own events visible to the scan.
  AW_RETURN_IF_ERROR(store_->flush());
  uint64_t raised = 0;
  std::vector<ingest::Event> events;
  detect::AlertBuffer retro;
  for (const detect::RecheckRequest& request : engine.rechecks()) {
    store::TimelineQuery query;
    query.kind = request.kind == "agent"        ? store::TimelineKind::kAgent
                 : request.kind == "credential" ? store::TimelineKind::kCredential
                                                : store::TimelineKind::kAll;
    query.value = request.id;
    query.from_us = request.from_us;
    auto cursor = store_->scan(query);
    if (!cursor.ok()) return cursor.status();
    while (true) {
      auto more = cursor->next(&events);
      if (!more.ok()) return more.status();
      if (!*more) break;
      retro.clear();
      for (size_t i = 0; i < events.size(); ++i) {
        size_t before = retro.alerts.size();
        engine.rejudge(events[i], static_cast<uint32_t>(i), retro);
        if (retro.alerts.size() == before) continue;
        // Keep only what is new: the event's earlier alerts have the same ids.
        key_.clear();
        detect::append_event_key(events[i], &key_);
        auto stored = store_->event(key_);
        if (!stored.ok()) continue;
        auto known = [&](const detect::Alert& alert) {
          std::string_view id(alert.id.data(), alert.id.size());
          for (const auto& a : stored->alerts) {
            if (a.id == id) return true;
          }
          return false;
        };
        retro.alerts.erase(std::remove_if(retro.alerts.begin() + static_cast<long>(before),
                                          retro.alerts.end(), known),
                           retro.alerts.end());
      }
      if (retro.alerts.empty()) continue;
      store::WriteInput input;
      input.alerts = alert_records_.build(retro, *rule_set_, events);
      for (const store::AlertRecord& record : input.alerts) retro_json_.emplace_back(record.json);
      AW_RETURN_IF_ERROR(store_->write(input));
      if (alert_writer_) AW_RETURN_IF_ERROR(alert_writer_->write(retro, *rule_set_, events));
      raised += retro.alerts.size();
    }
  }
  engine.clear_rechecks();
  AW_RETURN_IF_ERROR(store_->flush());
  return raised;
}

Status Pipeline::flush() {
  if (alert_writer_) AW_RETURN_IF_ERROR(alert_writer_->flush());
  if (store_) AW_RETURN_IF_ERROR(store_->flush());
  return Status::ok_status();
}

Status Pipeline::finish() {
  if (alert_writer_) AW_RETURN_IF_ERROR(alert_writer_->flush());
  if (store_) {
    if (options_.retention_days > 0) {
      auto pruned = store_->apply_retention(std::chrono::duration_cast<std::chrono::microseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
      if (!pruned.ok()) return pruned.status();
    }
    AW_RETURN_IF_ERROR(store_->close());
  }
  return Status::ok_status();
}

}  // namespace aw::tools
