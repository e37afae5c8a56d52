// AlertRecordBuilder: the detect stage's alerts as the evidence store takes them. Renders each
// alert's native JSON (the stored form, DESIGN.md "Alert") and picks out the fields the store
// indexes alerts by. The only place store/ looks at detect's alert types.
//
// Thread-safety: one builder per thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "detect/alert.h"
#include "ingest/event.h"
#include "rules/rule_set.h"
#include "store/write_input.h"

namespace aw::store {

class AlertRecordBuilder {
 public:
  // `events` is the batch the alerts' event indexes point into (for retro alerts: the events the
  // store's cursor returned). The records' views point into this builder and stay valid until
  // the next call.
  // From now on, every record also carries its alert-feed payload in `format` (AlertRecord::
  // feed), so the store queues it in its outbox.
  void enable_feed(detect::AlertFormat format) { feed_ = format; }

  std::span<const AlertRecord> build(const detect::AlertBuffer& alerts, const rules::RuleSet& rules,
                                     std::span<const ingest::Event> events);

 private:
  struct Offsets {
    size_t json_begin, json_end, key_begin, key_end, feed_begin, feed_end;
  };
  std::optional<detect::AlertFormat> feed_;
  std::string text_;
  std::vector<Offsets> offsets_;
  std::vector<AlertRecord> records_;
};

}  // namespace aw::store
