// Decoding a JSON string body that holds escapes, for the decoders' slow path (most strings have
// none and stay views into the input).
#pragma once

#include <cstddef>
#include <string_view>

#include "ingest/decode_error.h"

namespace aw::ingest {

class StringArena;

// `body` points just after a string's opening quote of validated JSON text (stage 1 found the
// closing quote). Decodes up to the closing quote into `arena`, sets `out`, and returns kNone,
// kNotJson for an unknown escape or bad \u digits, or kInvalidUtf8 for a lone surrogate.
DecodeError unescape_json_string(const char* body, StringArena& arena, std::string_view* out);

}  // namespace aw::ingest
