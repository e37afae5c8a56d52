// ServeApi: the JSON API of `agentwatch serve` (DESIGN.md, "Command line": /api/v1/timeline,
// /api/v1/events/{id}, /api/v1/alerts, /api/v1/agents, /api/v1/report/coverage), apart from the
// HTTP server so it reads like the query command and tests can call it directly.
//
// Every request is bounded: page sizes are clamped to ServeLimits::max_limit, time ranges to
// max_range (the newest part of the asked range is kept), the coverage report to
// max_report_range and to one report at a time; a response that was clamped says so in
// "notes". Errors are {"error": "..."} with 400 (bad parameter), 404 (unknown id) or 503
// (busy, or the store failed).
//
// Thread-safety: every method may run on any number of server threads at once; the store and
// the registry are only read.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "store/evidence_store.h"
#include "store/stored_registry.h"

namespace aw::tools {

struct ServeLimits {
  // Rows per page when the request names none. Default: 200.
  size_t default_limit = 200;
  // Largest page. Default: 1,000.
  size_t max_limit = 1000;
  // Longest time range of a timeline or alert query. Default: 31 days.
  int64_t max_range_us = 31LL * 24 * 3600 * 1000000;
  // Longest range of a coverage report. Default: 92 days.
  int64_t max_report_range_us = 92LL * 24 * 3600 * 1000000;
  // A class filter looks at no more than this many times the page size of events. Default: 20.
  size_t filter_scan_factor = 20;
};

using QueryParams = std::multimap<std::string, std::string>;  // httplib::Params

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON
};

class ServeApi {
 public:
  ServeApi(const store::EvidenceStore& store, const store::StoredRegistry& registry,
           ServeLimits limits);

  ApiResponse timeline(const QueryParams& params) const;
  ApiResponse event(const std::string& key) const;
  ApiResponse alerts(const QueryParams& params) const;
  ApiResponse agents(const QueryParams& params) const;
  ApiResponse coverage(const QueryParams& params) const;

 private:
  const store::EvidenceStore& store_;
  const store::StoredRegistry& registry_;
  ServeLimits limits_;
  std::map<std::string, size_t> credentials_per_agent_;
  mutable std::mutex report_mu_;  // one coverage report at a time
};

}  // namespace aw::tools
