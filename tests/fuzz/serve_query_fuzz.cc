// libFuzzer target for the query parameters of `agentwatch serve` (tools/serve_api.h): the
// first input byte picks the endpoint (timeline, event, alerts, agents, coverage), the rest is
// its query string ("name=value&..."; for event, the id). The API runs against a real store,
// built once at start from a small generated workload with detection on (so alerts, registry
// history and the coverage report have something to say). Any parameters must be answered with
// 200, 400, 404 or 503 and a JSON body; never a crash, hang or throw.
#include <simdjson.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

#include "ingest/native_decoder.h"
#include "store/stored_registry.h"
#include "tools/pipeline.h"
#include "tools/serve_api.h"
#include "tools/workload_generator.h"

namespace {

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_ok(const aw::Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "serve_query_fuzz: building the store: %s\n", status.to_string().c_str());
  std::abort();
}

struct Served {
  std::unique_ptr<aw::store::EvidenceStore> store;
  std::unique_ptr<aw::store::StoredRegistry> registry;
  std::unique_ptr<aw::tools::ServeApi> api;
};

Served* served = nullptr;
const std::string* store_dir = nullptr;  // removed at exit

void build_store(const std::string& dir) {
  aw::tools::WorkloadOptions workload;
  workload.events = 1500;
  workload.agents = 100;
  workload.credentials_per_agent = 6;
  workload.hours = 6;
  workload.violations_per_rule = 2;
  aw::tools::WorkloadSummary summary;
  check_ok(aw::tools::generate_workload(workload, dir + "/gen", &summary));
  aw::tools::PipelineOptions options;
  options.registry = dir + "/gen/registry.yaml";
  options.store = dir + "/store";
  options.detected_at_us = 1;
  auto pipeline = aw::tools::Pipeline::open(options);
  check_ok(pipeline.status());
  std::ifstream in(dir + "/gen/events.jsonl", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  const size_t end = text.size();
  text.append(aw::ingest::kRecordPadding, '\0');  // the decoder reads a little past each record
  std::vector<aw::ingest::RecordRef> records;
  for (size_t start = 0; start < end;) {
    size_t nl = std::min(text.find('\n', start), end);
    records.push_back(aw::ingest::RecordRef{{text.data() + start, nl - start}, nl - start, {}});
    start = nl + 1;
  }
  auto decoder = aw::ingest::NativeDecoder::make({});
  check_ok(decoder.status());
  aw::rules::ActionClassifier classifier((*pipeline)->action_classes());
  aw::ingest::EventBatch batch;
  decoder->decode(records, batch);
  classifier.classify(batch);
  check_ok((*pipeline)->process(batch, records.size(), "events.jsonl", {}));
  check_ok((*pipeline)->finish());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  store_dir = new std::string((std::filesystem::temp_directory_path() /
                               ("agentwatch-serve-fuzz-" + std::to_string(::getpid())))
                                  .string());
  const std::string& dir = *store_dir;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  build_store(dir);
  served = new Served();
  aw::store::StoreOptions options;
  options.path = dir + "/store";
  options.read_only = true;
  auto store = aw::store::EvidenceStore::open(options);
  check_ok(store.status());
  served->store = std::make_unique<aw::store::EvidenceStore>(std::move(store.value()));
  auto registry = aw::store::load_stored_registry(*served->store);
  check_ok(registry.status());
  check(registry->recorded);
  served->registry = std::make_unique<aw::store::StoredRegistry>(std::move(registry.value()));
  served->api = std::make_unique<aw::tools::ServeApi>(*served->store, *served->registry,
                                                      aw::tools::ServeLimits{});
  std::atexit([] { std::filesystem::remove_all(*store_dir); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  aw::tools::QueryParams params;
  for (size_t at = 0; at <= rest.size();) {
    size_t end = rest.find('&', at);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view pair = rest.substr(at, end - at);
    size_t eq = pair.find('=');
    params.emplace(std::string(pair.substr(0, eq)),
                   eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    at = end + 1;
  }
  const aw::tools::ServeApi& api = *served->api;
  aw::tools::ApiResponse response;
  switch (data[0] % 5) {
    case 0:
      response = api.timeline(params);
      break;
    case 1:
      response = api.event(std::string(rest));
      break;
    case 2:
      response = api.alerts(params);
      break;
    case 3:
      response = api.agents(params);
      break;
    default:
      response = api.coverage(params);
      break;
  }
  check(response.status == 200 || response.status == 400 || response.status == 404 ||
        response.status == 503);
  simdjson::dom::parser parser;
  simdjson::dom::element parsed;
  check(parser.parse(response.body).get(parsed) == simdjson::SUCCESS);
  return 0;
}
