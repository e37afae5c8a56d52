// Renderings of the coverage report (store/coverage_report.h): JSON for tools (every number of
// the report), Markdown for people in terminals, and one self-contained HTML file with inline
// SVG charts that opens offline and prints. All three carry the same figures.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "store/coverage_report.h"

namespace aw::tools {

std::string coverage_json(const store::CoverageReport& report);
std::string coverage_markdown(const store::CoverageReport& report);
std::string coverage_html(const store::CoverageReport& report);

// Shared by the renderers: "12.5" for 1 of 8; "-" when the whole is 0.
std::string percent_text(uint64_t part, uint64_t whole);
// "1h 02m", "45s", "3d 04h" for people; "-" for none.
std::string duration_text(int64_t us);
// RFC 3339, or "-" for an open end of the period.
std::string period_end_text(int64_t us);
// "Period 2026-11-20T00:00:00Z to 2026-11-21T00:00:00Z", "Period from ... on",
// "All stored events".
std::string period_text(const store::CoverageReport& report);

}  // namespace aw::tools
