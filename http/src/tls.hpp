// Private to http/src: the operator server's TLS settings on an OpenSSL context (tls.cpp).
#pragma once

#include <openssl/ssl.h>

#include "ballast/engine/engine_config.hpp"
#include "ballast/http/http_config.hpp"

namespace ballast::http::detail {

/// Sets the protocol floor (TLS 1.2), no compression, no renegotiation, forward-secret AEAD
/// ciphers for TLS 1.2, and installs tls's certificate chain and private key on `ctx`. Empty on
/// success; else the violations check_tls_files() describes. Never prompts for a passphrase.
ConfigViolations configure_tls(SSL_CTX* ctx, const HttpTlsConfig& tls);

/// A strong entity tag of `bytes`: '"' + the first 16 bytes of their SHA-256 in hex + '"'.
std::string sha256_etag(std::string_view bytes);

}  // namespace ballast::http::detail
