// Secret redaction for text that leaves the process as alerts and operator log lines
// (DESIGN.md, "Guarantees": credential secrets are never logged). Record content such as a Bash
// command, a URL or a SQL statement may carry keys and tokens; each one found is replaced by
// "[REDACTED:<kind>]". The evidence store and the dead-letter sink keep raw records on purpose:
// they are evidence, and they are not redacted.
//
// What is found (kinds in brackets): AWS access key ids [aws-access-key-id]; GitHub tokens
// [github-token]; Slack tokens [slack-token]; OpenAI and Anthropic keys [openai-key],
// [anthropic-key]; Google API keys [google-api-key]; JWTs [jwt]; PEM private key blocks
// [private-key]; "Bearer <token>" and "Basic <base64>" credentials [bearer-token], [basic-auth];
// the password of a URL's userinfo [url-password]; and the value of a key=value, key: value,
// "key": "value", --key value or KEY 'value' pair whose key names a secret (password, passwd,
// pwd, passphrase, secret, token, api_key, apikey, access_key, private_key, client_secret,
// secret_key, in any case, also as the last word of a longer key such as DB_PASSWORD or
// accessToken) [password], [secret], [token], [api-key], [access-key], [private-key],
// [aws-secret-access-key].
//
// Hand-written scanning, no regex: the scan looks at each byte once through a table and runs a
// detector only at the few bytes that can start or separate a secret, so text without secrets
// costs one pass and allocates nothing. Heuristics lean towards redacting: an alert that says
// [REDACTED:token] where there was none costs less than a leaked key.
//
// Thread-safety: stateless functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aw::ingest {

struct SecretMatch {
  size_t begin = 0;  // the secret's bytes: text[begin, end)
  size_t end = 0;
  std::string_view kind;  // a static string such as "github-token"
};

// Finds the first secret that starts at or after `from`. The text before `from` is read as
// context (the key of a key=value pair), never matched. Allocates nothing.
bool find_secret(std::string_view text, size_t from, SecretMatch* match);

// The text-level functions take `keep`: a match whose text equals it stays. Callers pass an
// identifier they name anyway, such as an event's credential id when it is an AWS access key id
// (CloudTrail's accessKeyId is the credential's name; AWS does not treat it as secret).

// True when `text` holds at least one secret. Allocates nothing.
bool contains_secret(std::string_view text, std::string_view keep = {});

// Appends `text` to `out` with every secret replaced by "[REDACTED:<kind>]"; returns how many
// were replaced.
size_t append_redacted(std::string_view text, std::string* out, std::string_view keep = {});

// Redacts `text` in place; returns how many secrets were replaced. Touches (and may allocate)
// nothing when there is none.
size_t redact_in_place(std::string* text, std::string_view keep = {});

// `json` is valid JSON text (an object, array or scalar). Appends it to `out` with the secrets
// inside its string values and keys redacted; escapes are decoded before the search, so
// "\u0041KIA..." is found too, and the result stays valid JSON. The whole string value of a key
// that names a secret ("password": "...") goes too. Returns how many were replaced.
size_t append_redacted_json(std::string_view json, std::string* out, std::string_view keep = {});

}  // namespace aw::ingest
