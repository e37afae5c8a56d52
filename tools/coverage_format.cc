// Number and time formatting shared by the Markdown and HTML renderings of the coverage report.
#include <cstdio>

#include "ingest/timestamp.h"
#include "tools/coverage_render.h"

namespace aw::tools {

std::string percent_text(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buffer;
}

std::string duration_text(int64_t us) {
  if (us <= 0) return us == 0 ? "0s" : "-";
  const int64_t s = us / 1000000;
  char buffer[48];
  if (s < 60) {
    std::snprintf(buffer, sizeof buffer, "%.1fs", static_cast<double>(us) / 1e6);
  } else if (s < 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldm %02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buffer, sizeof buffer, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldd %02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  }
  return buffer;
}

std::string period_end_text(int64_t us) {
  if (us == ingest::kMinTimeUs || us == ingest::kMaxTimeUs) return "-";
  return ingest::format_rfc3339(us);
}

std::string period_text(const store::CoverageReport& r) {
  const bool from = r.from_us != ingest::kMinTimeUs, to = r.to_us != ingest::kMaxTimeUs;
  if (from && to) return "Period " + period_end_text(r.from_us) + " to " + period_end_text(r.to_us);
  if (from) return "Period from " + period_end_text(r.from_us) + " on";
  if (to) return "Period up to " + period_end_text(r.to_us);
  return "All stored events";
}

}  // namespace aw::tools
