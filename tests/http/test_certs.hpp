// Certificates made when the tests run (no key is committed): a self-signed server certificate
// for 127.0.0.1 and localhost, another one no client trusts, an expired one, an encrypted key.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace ballast::test {

/// The PEM files of one test run, in a directory of its own.
struct TestPki {
  std::string dir;
  std::string cert, key;              ///< the server's: CN localhost, IP 127.0.0.1
  std::string other_cert, other_key;  ///< another self-signed pair (a client that trusts this
                                      ///< one refuses the server)
  std::string expired_cert, expired_key;
  std::string encrypted_key;  ///< `key` under a passphrase
};

namespace detail {

inline EVP_PKEY* make_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  if (k == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return k;
}

inline void add_ext(X509* x, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (e == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid failed");
  X509_add_ext(x, e, -1);
  X509_EXTENSION_free(e);
}

/// A self-signed certificate of `key`, valid from now + `from_s` to now + `to_s`.
inline X509* make_cert(EVP_PKEY* key, long from_s, long to_s, const char* cn) {
  static long serial = 1;
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), from_s);
  X509_gmtime_adj(X509_getm_notAfter(x), to_s);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  add_ext(x, NID_basic_constraints, "critical,CA:TRUE");
  if (X509_sign(x, key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");
  return x;
}

inline void write_cert(const std::string& path, X509* x) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
}

inline void write_key(const std::string& path, EVP_PKEY* k, const char* passphrase = nullptr) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (passphrase != nullptr) {
    PEM_write_PrivateKey(f, k, EVP_aes_256_cbc(), nullptr, 0, nullptr,
                         const_cast<char*>(passphrase));
  } else {
    PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
  }
  std::fclose(f);
}

inline TestPki make_pki() {
  TestPki p;
  p.dir = ::testing::TempDir() + "ballast_http_tls_" + std::to_string(::getpid());
  std::filesystem::create_directories(p.dir);
  auto pair = [&](const char* name, long from_s, long to_s, std::string& cert, std::string& key,
                  const char* passphrase_file = nullptr) {
    EVP_PKEY* k = make_key();
    X509* x = make_cert(k, from_s, to_s, "localhost");
    cert = p.dir + "/" + name + ".crt";
    key = p.dir + "/" + name + ".key";
    write_cert(cert, x);
    write_key(key, k);
    if (passphrase_file != nullptr) write_key(p.dir + "/" + passphrase_file, k, "secret-words");
    X509_free(x);
    EVP_PKEY_free(k);
  };
  pair("server", -60, 86'400, p.cert, p.key, "server.encrypted.key");
  p.encrypted_key = p.dir + "/server.encrypted.key";
  pair("other", -60, 86'400, p.other_cert, p.other_key);
  pair("expired", -2 * 86'400, -86'400, p.expired_cert, p.expired_key);
  return p;
}

}  // namespace detail

/// Made once per test program.
inline const TestPki& pki() {
  static const TestPki p = detail::make_pki();
  return p;
}

}  // namespace ballast::test
