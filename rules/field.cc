#include "rules/field.h"

#include <array>

namespace aw::rules {
namespace {

constexpr std::array<FieldInfo, kFieldCount> kFields = {{
#define AW_FIELD_INFO(name, id, type, doc) {name, FieldId::id, FieldType::type, doc},
    AW_RULE_FIELDS(AW_FIELD_INFO)
#undef AW_FIELD_INFO
}};

}  // namespace

const FieldInfo* field_infos() { return kFields.data(); }

const FieldInfo& field_info(FieldId id) { return kFields[static_cast<size_t>(id)]; }

std::optional<FieldId> find_field(std::string_view name) {
  for (const FieldInfo& info : kFields) {
    if (info.name == name) return info.id;
  }
  return std::nullopt;
}

}  // namespace aw::rules
