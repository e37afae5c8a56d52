// Internal to ingest/formats: the factory of each format's decoder (make_decoder in
// ingest/format.h picks one). Each lives in its own <format>_decoder.cc.
#pragma once

#include <memory>

#include "ingest/format.h"

namespace aw::ingest::formats {

using DecoderResult = Result<std::unique_ptr<RecordDecoder>>;

DecoderResult make_native_decoder(const DecoderOptions& options);
DecoderResult make_cloudtrail_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                      const FormatOptions& format_options);
DecoderResult make_k8s_audit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                     const FormatOptions& format_options);
DecoderResult make_otel_genai_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                      const FormatOptions& format_options);
DecoderResult make_claude_hook_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                       const FormatOptions& format_options);
DecoderResult make_mcp_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                               const FormatOptions& format_options);
DecoderResult make_github_audit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                        const FormatOptions& format_options);
DecoderResult make_vault_audit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                       const FormatOptions& format_options);
DecoderResult make_pgaudit_decoder(const DecoderOptions& options, const SourceMapping* mapping,
                                   const FormatOptions& format_options);

// Builds a JsonFormatDecoder-derived decoder and initialises it.
template <typename Decoder>
DecoderResult make_initialised(const DecoderOptions& options, const SourceMapping* mapping,
                               const FormatOptions& format_options) {
  auto decoder = std::make_unique<Decoder>(options, mapping, format_options);
  Status status = decoder->init();
  if (!status.ok()) return status;
  return std::unique_ptr<RecordDecoder>(std::move(decoder));
}

}  // namespace aw::ingest::formats
