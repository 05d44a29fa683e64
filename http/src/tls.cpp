// The operator server's TLS: OpenSSL settings, the certificate and key read with a reason for
// every way they can be wrong (tls.hpp, http_config.hpp check_tls_files).
#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

namespace ballast::http {

namespace detail {

namespace {

namespace fs = std::filesystem;

/// A PEM file is a few KiB; a larger one is not a certificate or a key.
constexpr std::size_t kMaxPemBytes = 1 << 20;

struct BioFree {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const noexcept { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

/// The passphrase callback: there is none to give (OpenSSL's default would prompt on the
/// terminal and wait).
int no_passphrase(char*, int, int, void*) {
  return -1;
}

/// OpenSSL's reason for the last failure ("key values mismatch"), and the error queue emptied.
std::string openssl_reason() {
  unsigned long last = 0;
  while (const unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown OpenSSL error";
  const char* r = ERR_reason_error_string(last);
  return r != nullptr ? std::string(r) : "OpenSSL error " + std::to_string(last);
}

/// The file's bytes, or false and why not.
bool read_file(const std::string& path, std::string& out, std::string& why) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    why = "the file does not exist";
    return false;
  }
  if (fs::is_directory(st)) {
    why = "this is a directory, not a file";
    return false;
  }
  if (!fs::is_regular_file(st)) {
    why = "not a regular file (a FIFO, socket or device)";
    return false;
  }
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    why = concat({"cannot open it: ", std::strerror(errno)});
    return false;
  }
  out.resize(kMaxPemBytes + 1);
  const std::size_t n = std::fread(out.data(), 1, out.size(), f.get());
  if (std::ferror(f.get())) {
    why = concat({"cannot read it: ", std::strerror(errno)});
    return false;
  }
  out.resize(n);
  if (n == 0) {
    why = "the file is empty";
    return false;
  }
  if (n > kMaxPemBytes) {
    why = "the file is over 1 MiB: not a PEM certificate or key";
    return false;
  }
  return true;
}

bool has(const std::string& text, const char* what) {
  return text.find(what) != std::string::npos;
}

/// "2031-05-07 12:00:00 UTC".
std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return "an unreadable date";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

}  // namespace

ConfigViolations configure_tls(SSL_CTX* ctx, const HttpTlsConfig& tls) {
  ConfigViolations v;
  ConfigCheck check(v);
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Compression leaks secrets by the length of what is sent (CRIME); renegotiation is a way to
  // make the server work without end and has no use here.
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // An idle connection gives its read and write buffers back (about 34 KiB each).
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // TLS 1.2: forward secrecy and authenticated encryption only (TLS 1.3's suites all are).
  SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL");

  std::string cert_text;
  std::string key_text;
  std::string why;
  const bool cert_read = read_file(tls.cert_file, cert_text, why);
  if (!cert_read) check.fail("tls.cert_file", why);
  const bool key_read = read_file(tls.key_file, key_text, why);
  if (!key_read) check.fail("tls.key_file", why);

  X509Ptr leaf;
  std::vector<X509Ptr> chain;
  if (cert_read) {
    BioPtr bio(BIO_new_mem_buf(cert_text.data(), static_cast<int>(cert_text.size())));
    leaf.reset(PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr));
    if (!leaf) {
      const std::string reason = openssl_reason();
      if (has(cert_text, "PRIVATE KEY") && !has(cert_text, "BEGIN CERTIFICATE")) {
        check.fail("tls.cert_file",
                   "this is a private key, not a certificate (cert_file and key_file swapped?)");
      } else {
        check.fail("tls.cert_file",
                   concat({"no PEM certificate in it (expected '-----BEGIN CERTIFICATE-----'): ",
                           reason}));
      }
    } else {
      while (X509* more = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
        chain.emplace_back(more);
      }
      // The read after the last certificate fails with "no start line": the end of the chain.
      const unsigned long e = ERR_peek_last_error();
      if (e != 0 && ERR_GET_REASON(e) != PEM_R_NO_START_LINE) {
        check.fail("tls.cert_file", concat({"certificate ", std::to_string(chain.size() + 2),
                                            " of the file is not valid PEM: ", openssl_reason()}));
      }
      ERR_clear_error();
      if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) < 0) {
        check.fail("tls.cert_file", concat({"the certificate expired on ",
                                            time_text(X509_get0_notAfter(leaf.get()))}));
      } else if (X509_cmp_current_time(X509_get0_notBefore(leaf.get())) > 0) {
        check.fail("tls.cert_file", concat({"the certificate is not valid before ",
                                            time_text(X509_get0_notBefore(leaf.get()))}));
      }
    }
  }
  PkeyPtr key;
  if (key_read) {
    BioPtr bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())));
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    if (!key) {
      const std::string reason = openssl_reason();
      if (has(key_text, "ENCRYPTED")) {
        check.fail("tls.key_file",
                   "the key is encrypted with a passphrase, which the server cannot ask for: "
                   "write it unencrypted (openssl pkey -in KEY -out PLAIN) and protect the file "
                   "by its permissions");
      } else if (has(key_text, "BEGIN CERTIFICATE") && !has(key_text, "PRIVATE KEY")) {
        check.fail("tls.key_file",
                   "this is a certificate, not a private key (cert_file and key_file swapped?)");
      } else {
        check.fail("tls.key_file",
                   concat({"no PEM private key in it (expected '-----BEGIN PRIVATE KEY-----'): ",
                           reason}));
      }
    }
  }
  if (!leaf || !key) return v;
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    check.fail("tls.key_file",
               concat({"the key does not match the certificate in '", tls.cert_file, "'"}));
  }
  if (!v.empty()) return v;
  // OpenSSL's own checks (its security level: a key that is too small, a weak signature).
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    check.fail("tls.cert_file", concat({"OpenSSL refuses the certificate: ", openssl_reason()}));
    return v;
  }
  for (auto& c : chain) {
    if (SSL_CTX_add1_chain_cert(ctx, c.get()) != 1) {
      check.fail("tls.cert_file",
                 concat({"OpenSSL refuses an intermediate certificate: ", openssl_reason()}));
      return v;
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    check.fail("tls.key_file", concat({"OpenSSL refuses the key: ", openssl_reason()}));
  }
  ERR_clear_error();
  return v;
}

std::string sha256_etag(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (unsigned i = 0; i < 16 && i < len; ++i) {
    tag += kHex[md[i] >> 4];
    tag += kHex[md[i] & 0xf];
  }
  return tag + "\"";
}

}  // namespace detail

ConfigViolations check_tls_files(const HttpTlsConfig& tls) {
  if (!tls.enabled) return {};
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
  if (!ctx) {
    ConfigViolations v;
    ConfigCheck(v).fail("tls.cert_file", "OpenSSL cannot create a TLS context");
    ERR_clear_error();
    return v;
  }
  return detail::configure_tls(ctx.get(), tls);
}

}  // namespace ballast::http
