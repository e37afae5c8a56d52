// The secret redactor: every kind found where it is, and ordinary text (git shas, UUIDs, paths,
// resource names, prose) left alone. This binary counts global allocations to prove that text
// without secrets costs none.
#include "ingest/redact.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "ingest/json_writer.h"

namespace {
std::atomic<size_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace aw::ingest {
namespace {

std::string redacted(std::string_view text) {
  std::string out;
  append_redacted(text, &out);
  return out;
}

// A positive case: the secret is gone, the marker of its kind is there, the rest is kept.
void expect_redacted(std::string_view text, std::string_view secret, std::string_view kind) {
  SCOPED_TRACE(text);
  std::string out = redacted(text);
  EXPECT_EQ(out.find(secret), std::string::npos) << out;
  EXPECT_NE(out.find("[REDACTED:" + std::string(kind) + "]"), std::string::npos) << out;
}

void expect_kept(std::string_view text) {
  SCOPED_TRACE(text);
  EXPECT_FALSE(contains_secret(text));
  EXPECT_EQ(redacted(text), text);
}

TEST(Redact, AwsAccessKeyIds) {
  expect_redacted("aws s3 ls --profile x AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE",
                  "aws-access-key-id");
  expect_redacted("key=ASIAY34FZKBOKMUTVV7A;", "ASIAY34FZKBOKMUTVV7A", "aws-access-key-id");
  expect_redacted("id AIDAJQABLZS4A3QDU576 here", "AIDAJQABLZS4A3QDU576", "aws-access-key-id");
  EXPECT_EQ(redacted("user AKIAIOSFODNN7EXAMPLE done"), "user [REDACTED:aws-access-key-id] done");
  expect_kept("AKIAIOSFODNN7EXAMPL");     // 19 characters
  expect_kept("AKIAIOSFODNN7EXAMPLEX");   // 21
  expect_kept("XAKIAIOSFODNN7EXAMPLE");   // inside a word
  expect_kept("AKIAiosfodnn7example");    // lowercase
  expect_kept("AGENT-0421 ACTION DROP");  // capitals, no key shape
}

TEST(Redact, AwsSecretAccessKeyAfterItsLabel) {
  const char* secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  expect_redacted(std::string("aws_secret_access_key = ") + secret, secret,
                  "aws-secret-access-key");
  expect_redacted(std::string("AWS_SECRET_ACCESS_KEY=") + secret, secret, "aws-secret-access-key");
  expect_redacted(std::string("{\"SecretAccessKey\": \"") + secret + "\"}", secret,
                  "aws-secret-access-key");
  expect_kept("aws_access_key_id_rotation: daily");
}

TEST(Redact, GithubTokens) {
  for (const char* token :
       {"ghp_1234567890abcdefghijklmnopqrstuvwxyzAB", "gho_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghu_16C7e42F292c6912E7710c838347Ae178B4a", "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
        "ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH"}) {
    expect_redacted(std::string("git push https://") + token + "@github.com/acme/x", token,
                    "github-token");
  }
  expect_kept("ghp_short");
  expect_kept("the ghx_1234567890abcdefghijklmnopqrstuvwxyzAB pattern");
  expect_kept("github_pat_");
}

TEST(Redact, SlackTokens) {
  expect_redacted("curl -d token=x xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp",
                  "xoxb-1234567890-0987654321", "slack-token");
  expect_redacted("SLACK xoxp-2345678901-abcdefghij", "xoxp-2345678901", "slack-token");
  expect_kept("xoxb-short");
  expect_kept("xoxo-1234567890123");
}

TEST(Redact, OpenAiAndAnthropicKeys) {
  expect_redacted("OPENAI sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXyZ0", "Ab3dEf6hIj9kLm2nOp5qRs8t",
                  "openai-key");
  expect_redacted("x sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-AbCd_Ef", "Zx9Yw8Vu7Ts6Rq5Po4",
                  "anthropic-key");
  expect_kept("pip install sk-learn-pipeline-config-v2");  // no capitals: a name
  expect_kept("task-Ab3dEf6hIj9kLm2nOp5qRs8tUv");          // "sk-" inside a word
  expect_kept("sk-Ab3");
}

TEST(Redact, GoogleApiKeys) {
  expect_redacted("maps?key2 AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI end",
                  "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI", "google-api-key");
  expect_kept("AIzaSyDdI0hCZtE6");
}

TEST(Redact, Jwts) {
  const char* jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  expect_redacted(std::string("cookie session=") + jwt, "SflKxwRJSMeKKF2QT4fw", "jwt");
  expect_redacted(std::string("id ") + jwt + " ok", "eyJzdWIiOiIx", "jwt");
  // alg none: an empty signature
  expect_redacted("t eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.", "eyJzdWIiOiJhIn0", "jwt");
  expect_kept("eyJhbGciOiJIUzI1NiJ9 is a header only");
  expect_kept("keyJ.value");
}

TEST(Redact, PemPrivateKeyBlocks) {
  const char* pem =
      "cat > k <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn\n"
      "abcdefghijklmnop\n-----END RSA PRIVATE KEY-----\nEOF";
  std::string out = redacted(pem);
  EXPECT_EQ(out, "cat > k <<EOF\n[REDACTED:private-key]\nEOF");
  expect_redacted("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE (cut short)",
                  "b3BlbnNzaC1rZXktdjE", "private-key");
  expect_kept("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
  expect_kept("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----");
}

TEST(Redact, BearerAndBasicCredentials) {
  EXPECT_EQ(redacted("curl -H 'Authorization: Bearer abcDEF123.456-xyz' https://api"),
            "curl -H 'Authorization: Bearer [REDACTED:bearer-token]' https://api");
  expect_redacted(
      "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==", "basic-auth");
  expect_redacted("authorization: bearer plainlowercasetoken", "plainlowercasetoken",
                  "bearer-token");
  expect_redacted("-H \"Bearer 9f8e7d6c5b4a3210\"", "9f8e7d6c5b4a3210", "bearer-token");
  expect_kept("Bearer authentication is required");
  expect_kept("basic operations on the table");
  expect_kept("WWW-Authenticate: Bearer realm=\"agentwatch\"");
}

TEST(Redact, UrlCredentials) {
  EXPECT_EQ(redacted("psql postgres://admin:hunter2@db.prod:5432/orders"),
            "psql postgres://admin:[REDACTED:url-password]@db.prod:5432/orders");
  expect_redacted("https://user:p@ss@host/x", "p@ss", "url-password");
  expect_kept("https://git@github.com/acme/payments.git");
  expect_kept("https://example.com:8443/path?q=1");
  expect_kept("ssh://host:22");
}

TEST(Redact, SecretNamedKeyValuePairs) {
  EXPECT_EQ(redacted("mysql -u root password=hunter2 -e 'select 1'"),
            "mysql -u root password=[REDACTED:password] -e 'select 1'");
  expect_redacted("DB_PASSWORD='correct horse battery'", "correct horse", "password");
  expect_redacted("{\"api_key\": \"abc123\"}", "abc123", "api-key");
  expect_redacted("X-Api-Key: k-7781", "k-7781", "api-key");
  expect_redacted("apiKey=k-7781", "k-7781", "api-key");
  expect_redacted("https://h/cb?client_secret=s3cr3t&x=1", "s3cr3t", "secret");
  expect_redacted("GITHUB_TOKEN=abcdef", "abcdef", "token");
  expect_redacted("accessToken: zzz999", "zzz999", "token");
  expect_redacted("passwd => 'p4ss'", "p4ss", "password");
  expect_redacted("pwd=letmein", "letmein", "password");
  expect_redacted("private_key=MIIEvQ", "MIIEvQ", "private-key");
  expect_redacted("access_key: AKIAX", "AKIAX", "access-key");
  expect_redacted("SECRET=abc", "=abc", "secret");
  expect_redacted("apikey=abc", "=abc", "api-key");
  expect_redacted("token: Bearer q1w2e3r4t5", "q1w2e3r4t5", "token");
  // SQL and command-line forms
  expect_redacted("ALTER USER bob WITH PASSWORD 'Tr0ub4dor'", "Tr0ub4dor", "password");
  expect_redacted("vault login --token s.abcdef123 -x", "s.abcdef123", "token");
  expect_redacted("mysql --password=hunter2", "hunter2", "password");
}

TEST(Redact, KeyValuePairsThatAreNotSecrets) {
  expect_kept("max_tokens=4096 prompt_tokens=12");
  expect_kept("token_type=bearer");
  expect_kept("secret_name=db-creds");
  expect_kept("password_policy=strict");
  expect_kept("resource secret:prod/db-password");  // a name, no blank after the colon
  expect_kept("if (token == nullptr) return;");
  expect_kept("token != expected");
  expect_kept("{\"password\": null}");
  expect_kept("password=");
  expect_kept("std::string token::value");
  expect_kept("secret:");
}

TEST(Redact, OrdinaryTextStays) {
  expect_kept("git checkout 3f786850e387550fdab836ed7e6dc881de23001b");
  expect_kept("session 123e4567-e89b-12d3-a456-426614174000");
  expect_kept("/usr/local/lib/python3.11/site-packages/requests/sessions.py");
  expect_kept("sql.execute DROP TABLE db:prod/orders");
  expect_kept("agent-0421 used tok-9f3a after its revocation at 2026-11-20T09:30:00Z");
  expect_kept("repo:acme/payments env=prod outcome=success");
  expect_kept("kubectl delete secret db-creds -n prod");
  expect_kept("");
}

TEST(Redact, EveryOccurrenceAndNothingElse) {
  std::string out;
  size_t n = append_redacted(
      "a AKIAIOSFODNN7EXAMPLE b ghp_1234567890abcdefghijklmnopqrstuvwxyzAB c password=x", &out);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(out,
            "a [REDACTED:aws-access-key-id] b [REDACTED:github-token] c "
            "password=[REDACTED:password]");
  // Idempotent: redacting a redaction changes nothing.
  std::string again = out;
  EXPECT_EQ(redact_in_place(&again), 0u);
  EXPECT_EQ(again, out);
}

TEST(Redact, KeepsTheIdentifierItIsToldToKeep) {
  std::string_view text = "AKIAIOSFODNN7EXAMPLE used AKIAI44QH8DHBEXAMPLE, password=x";
  std::string out;
  EXPECT_EQ(append_redacted(text, &out, "AKIAIOSFODNN7EXAMPLE"), 2u);
  EXPECT_EQ(out,
            "AKIAIOSFODNN7EXAMPLE used [REDACTED:aws-access-key-id], "
            "password=[REDACTED:password]");
  EXPECT_FALSE(contains_secret("id AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"));
  out.clear();
  EXPECT_EQ(append_redacted_json(R"({"c":"AKIAIOSFODNN7EXAMPLE"})", &out, "AKIAIOSFODNN7EXAMPLE"),
            0u);
  EXPECT_EQ(out, R"({"c":"AKIAIOSFODNN7EXAMPLE"})");
}

TEST(Redact, FindSecretReportsTheSpanAndKind) {
  std::string_view text = "x=1 token=abc y";
  SecretMatch m;
  ASSERT_TRUE(find_secret(text, 0, &m));
  EXPECT_EQ(text.substr(m.begin, m.end - m.begin), "abc");
  EXPECT_EQ(m.kind, "token");
  EXPECT_FALSE(find_secret(text, m.end, &m));
}

TEST(Redact, TextWithoutSecretsAllocatesNothing) {
  std::string text =
      "agent-0421 ran sql.execute DROP TABLE db:prod/orders during FRZ-HOLIDAY (env prod, "
      "credential tok-9f3a, session sess-77, commit 3f786850e387550fdab836ed7e6dc881de23001b)";
  std::string out;
  out.reserve(text.size() * 2);
  size_t found = 0;
  size_t before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    found += contains_secret(text) ? 1 : 0;
    out.clear();
    found += append_redacted(text, &out);
    found += redact_in_place(&text);
  }
  size_t allocations = g_allocations.load() - before;
  EXPECT_EQ(found, 0u);
  EXPECT_EQ(allocations, 0u);
}

TEST(RedactJson, RedactsInsideStringsAndStaysValidJson) {
  std::string out;
  size_t n = append_redacted_json(
      R"({"summary":"ran psql postgres://a:pw1@h/db","n":3,"ok":true,"list":["AKIAIOSFODNN7EXAMPLE"]})",
      &out);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(out,
            R"({"summary":"ran psql postgres://a:[REDACTED:url-password]@h/db","n":3,"ok":true,)"
            R"("list":["[REDACTED:aws-access-key-id]"]})");
}

TEST(RedactJson, DecodesEscapesBeforeSearching) {
  std::string out;
  // A newline right before the key, and the key's first letter escaped.
  size_t n = append_redacted_json(R"({"cmd":"echo\n\u0041KIAIOSFODNN7EXAMPLE \"q\""})", &out);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(out, R"({"cmd":"echo\n[REDACTED:aws-access-key-id] \"q\""})");
}

TEST(RedactJson, TheValueOfASecretNamedKeyGoesWhole) {
  std::string out;
  size_t n = append_redacted_json(
      R"({"password":"plain words","token":null,"db_password" : "x","name":"password"})", &out);
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(out, R"({"password":"[REDACTED:password]","token":null,"db_password" : )"
                 R"("[REDACTED:password]","name":"password"})");
}

TEST(RedactJson, LeavesJsonWithoutSecretsByteForByte) {
  std::string json = R"({"freeze":"FRZ-HOLIDAY","approval.covers":false,"x":"a\"b\\c"})";
  std::string out;
  EXPECT_EQ(append_redacted_json(json, &out), 0u);
  EXPECT_EQ(out, json);
}

}  // namespace
}  // namespace aw::ingest
