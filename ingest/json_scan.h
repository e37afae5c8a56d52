// Byte-level scans of JSON text that simdjson On-Demand does not do for us: nesting depth of a
// value it would skip, and whether a failed record was cut short. Both respect strings and
// escapes. They run only on nested values and on records that already failed, never per field.
#pragma once

#include <cstdint>
#include <string_view>

namespace aw::ingest {

struct JsonScan {
  uint32_t max_depth = 0;   // deepest nesting of objects and arrays seen
  int64_t open_at_end = 0;  // containers still open at the end of the text
  bool inside_string_at_end = false;
};

JsonScan scan_json(std::string_view text);

}  // namespace aw::ingest
