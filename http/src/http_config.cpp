#include "ballast/http/http_config.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace ballast::http {

bool is_loopback_address(const std::string& address) noexcept {
  in_addr v4{};
  if (::inet_pton(AF_INET, address.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.c_str(), &v6) == 1) {
    static const in6_addr loopback = IN6ADDR_LOOPBACK_INIT;
    return std::memcmp(&v6, &loopback, sizeof v6) == 0;
  }
  return false;
}

void HttpConfig::resolve_secrets(const SecretLookup& lookup) {
  if (!read_token_env.empty() && is_env_var_name(read_token_env)) {
    read_token = Secret(lookup(read_token_env).value_or(std::string()));
  }
  if (!control_token_env.empty() && is_env_var_name(control_token_env)) {
    control_token = Secret(lookup(control_token_env).value_or(std::string()));
  }
}

ConfigViolations HttpConfig::validate() const {
  ConfigViolations v;
  if (!enabled) return v;
  ConfigCheck check(v);
  in_addr v4{};
  in6_addr v6{};
  if (::inet_pton(AF_INET, bind.c_str(), &v4) != 1 &&
      ::inet_pton(AF_INET6, bind.c_str(), &v6) != 1) {
    check.fail("bind", concat({"'", bind,
                               "' is not a numeric IP address; write 127.0.0.1 or ::1 (host names "
                               "are not resolved)"}));
  } else if (!is_loopback_address(bind) && !tls.enabled) {
    check.fail("bind", concat({"'", bind,
                               "' is not a loopback address and TLS is off: the tokens would "
                               "cross the network in clear; configure operator.http.tls "
                               "(cert_file, key_file) or bind 127.0.0.1 (docs/operator.md, "
                               "\"TLS\")"}));
  }
  if (tls.enabled) {
    if (tls.cert_file.empty()) {
      check.fail("tls.cert_file",
                 "required with TLS on: the server's certificate (PEM, leaf first, then any "
                 "intermediates)");
    }
    if (tls.key_file.empty()) {
      check.fail("tls.key_file", "required with TLS on: the certificate's private key (PEM)");
    }
  }
  check.integer("port", port, 0, 65'535);
  if (read_token_env.empty()) {
    check.fail("read_token_env",
               "required: the name of the environment variable holding the read-only token "
               "(every request needs a token)");
  }
  check_env_reference(check, true, "read_token_env", read_token_env, !read_token.empty());
  check_env_reference(check, true, "control_token_env", control_token_env, !control_token.empty());
  auto token_length = [&](const char* key, const std::string& var, const Secret& t) {
    if (!t.empty() && t.reveal().size() < kMinTokenChars) {
      check.fail(key, concat({"the token in '", var, "' has ", std::to_string(t.reveal().size()),
                              " characters; at least ", std::to_string(kMinTokenChars),
                              " are needed (e.g. `openssl rand -hex 32`)"}));
    }
  };
  token_length("read_token_env", read_token_env, read_token);
  token_length("control_token_env", control_token_env, control_token);
  if (!read_token.empty() && !control_token.empty() &&
      read_token.reveal() == control_token.reveal()) {
    check.fail("control_token_env",
               concat({"'", control_token_env, "' and '", read_token_env,
                       "' hold the same token: the control token must differ from the read-only "
                       "one"}));
  }
  // QuickFIX's select() aborts the process on a socket numbered 1024 or more: the operator's
  // connections must leave the engine's own descriptors well below that.
  check.integer("max_connections", max_connections, 1, 256);
  check.duration("request_timeout", request_timeout, std::chrono::milliseconds(100),
                 std::chrono::minutes(10));
  check.duration("idle_timeout", idle_timeout, std::chrono::milliseconds(100),
                 std::chrono::hours(1));
  return v;
}

}  // namespace ballast::http
