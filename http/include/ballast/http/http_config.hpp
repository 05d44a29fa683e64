// The operator HTTP server's settings: section `operator.http` (docs/operator.md).
#pragma once

#include <cstdint>
#include <string>

#include "ballast/core/time.hpp"
#include "ballast/engine/engine_config.hpp"

namespace ballast::http {

/// Limits a request must keep (docs/operator.md, "Limits"): fixed, not configurable.
inline constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
/// The shortest token accepted: a bearer token is a password sent with every request.
inline constexpr std::size_t kMinTokenChars = 16;

/// `operator.http.tls`: HTTPS instead of HTTP (docs/operator.md, "TLS"). TLS 1.2 or 1.3 only, no
/// compression, no renegotiation; no client certificates (the bearer token or the login cookie is
/// the credential).
struct HttpTlsConfig {
  bool enabled = false;  ///< the block is written (and not `enabled: false`)
  /// PEM: the server's certificate, then any intermediate certificates (leaf first). Relative
  /// paths are resolved against the configuration file's directory.
  std::string cert_file;
  /// PEM: the certificate's private key, not encrypted (the server cannot ask for a passphrase).
  std::string key_file;
};

/// `operator.http`: the server `ballast run` and `ballast demo` start when the section is present.
struct HttpConfig {
  bool enabled = false;  ///< the section is present (and not `enabled: false`)
  /// The address to listen on, numeric (IPv4 or IPv6). Without TLS only a loopback address
  /// (127.0.0.0/8, ::1): the tokens would cross the network in clear.
  std::string bind = "127.0.0.1";
  /// 0: any free port (the program prints the one it got).
  std::uint32_t port = 8080;
  /// Environment variables holding the tokens (never the tokens themselves): read_token_env is
  /// required and gives read-only access (metrics, status); control_token_env, when set, also
  /// gives the control endpoints (kill switch). The two must differ.
  std::string read_token_env;
  std::string control_token_env;
  Secret read_token;     ///< resolved by resolve_secrets()
  Secret control_token;  ///< resolved by resolve_secrets()
  /// Connections open at once (server.hpp: which one makes room for a new one, or 503). At most
  /// 256: QuickFIX waits on its sockets with select(), which cannot watch a descriptor numbered
  /// 1024 or more, and every connection is a descriptor of the process.
  std::uint32_t max_connections = 64;
  /// From a request's first byte to its last: a slower peer (slowloris) is cut off.
  Duration request_timeout = std::chrono::seconds(5);
  /// A kept-alive connection with no request for this long is closed.
  Duration idle_timeout = std::chrono::seconds(60);
  HttpTlsConfig tls;

  /// Reads the tokens from the environment variables named (left empty when not set).
  void resolve_secrets(const SecretLookup& lookup);
  ConfigViolations validate() const;
};

/// Whether `address` is a numeric loopback address (127.0.0.0/8 or ::1).
bool is_loopback_address(const std::string& address) noexcept;

/// Loads tls.cert_file and tls.key_file the way HttpServer::start does (same OpenSSL settings):
/// empty when the server could use them; else one violation per problem at "tls.cert_file" or
/// "tls.key_file", its message the reason without the file's name (the caller names it): "the
/// file does not exist", "no PEM certificate in it ...", "the key is encrypted ...", "the key
/// does not match the certificate in '...'", "the certificate expired on ...". Never prompts,
/// never aborts. Nothing is checked when TLS is off.
ConfigViolations check_tls_files(const HttpTlsConfig& tls);

}  // namespace ballast::http
