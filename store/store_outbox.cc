// The evidence store's outbox: alerts waiting to be published on the alert feed. Entries are
// written by the commit that stores their alert (commit_builder.cc) and removed by the feed
// once Kafka acknowledged them, so a crash in between re-sends them (at-least-once).
#include <memory>

#include "store/evidence_store.h"
#include "store/keys.h"
#include "store/store_impl.h"

namespace aw::store {
namespace {

std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

Result<std::vector<OutboxEntry>> EvidenceStore::outbox(std::string_view after, size_t limit) const {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  std::vector<OutboxEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->handles.cf[detail::kOutbox]));
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(rocksdb::Slice(after.data(), after.size()));
    if (it->Valid() && view(it->key()) == after) it->Next();
  }
  for (; it->Valid() && out.size() < limit; it->Next()) {
    std::string_view key = view(it->key());
    std::string_view rest = key;
    uint64_t batch = 0;
    if (!keys::get_u64(&rest, &batch) || rest.size() != keys::kAlertIdBytes) {
      return Status::corruption("evidence store: unreadable outbox key");
    }
    OutboxEntry entry;
    entry.key.assign(key);
    entry.alert_id = keys::alert_id_to_hex(rest);
    std::string_view value = view(it->value());
    std::string_view agent, payload;
    if (!keys::get_bytes(&value, &agent) || !keys::get_bytes(&value, &payload) || !value.empty()) {
      return Status::corruption("evidence store: unreadable outbox entry of alert " +
                                entry.alert_id);
    }
    entry.agent.assign(agent);
    entry.payload.assign(payload);
    out.push_back(std::move(entry));
  }
  if (!it->status().ok()) return detail::from_rocks(it->status(), "evidence store: outbox");
  return out;
}

Status EvidenceStore::remove_from_outbox(std::span<const std::string> keys) {
  if (impl_->closed) return Status::invalid_argument("evidence store: closed");
  if (keys.empty()) return Status::ok_status();
  rocksdb::WriteBatch batch;
  for (const std::string& key : keys) {
    batch.Delete(impl_->handles.cf[detail::kOutbox], rocksdb::Slice(key.data(), key.size()));
  }
  rocksdb::Status written = impl_->db->Write(impl_->write_options, &batch);
  if (!written.ok()) return detail::from_rocks(written, "evidence store: removing from the outbox");
  return Status::ok_status();
}

}  // namespace aw::store
