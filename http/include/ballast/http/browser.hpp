// The browser side of the operator server (docs/operator.md, "Dashboard login and streams"):
// the login form, the login cookie, form bodies, server-sent events and entity tags. Pure
// functions the server uses, checked on their own by tests/http.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ballast::http {

/// The cookie POST /login sets: the token itself (percent-encoded where a cookie cannot hold a
/// byte), HttpOnly, SameSite=Strict, Path=/ (and Secure under TLS).
inline constexpr std::string_view kTokenCookie = "ballast_token";
/// The header a request authenticated by the cookie alone must carry when it is not a GET or
/// HEAD, with the value "1": an HTML form cannot send it, and a script of another origin cannot
/// without a CORS preflight, which the server never grants.
inline constexpr std::string_view kRequestHeader = "X-Ballast-Request";
/// The longest body POST /login reads (the token and `next`).
inline constexpr std::size_t kMaxLoginBodyBytes = 4096;

/// `next` when it is a path on this server: it starts with one '/' (not "//" or "/\", which a
/// browser reads as another host), has only the characters of a URI's path, query and fragment
/// (RFC 3986: letters, digits, "-._~%!$&'()*+,;=:@/?#"), and is at most 1 KiB; otherwise "/".
/// What a login redirects to.
std::string local_redirect(std::string_view next);

/// The value of the first field `name` of an application/x-www-form-urlencoded text
/// ("token=abc&next=%2Fx"), decoded ('+' is a space, %XX a byte); nullopt when absent or badly
/// escaped.
std::optional<std::string> form_value(std::string_view form, std::string_view name);

/// The decoded values of every cookie `name` in a Cookie header's value ("a=1; ballast_token=x");
/// a value that is badly escaped is left out.
std::vector<std::string> cookie_values(std::string_view header, std::string_view name);

/// `value` as a cookie value: bytes a cookie cannot hold (controls, space, '"', ',', ';', '\',
/// '%', non-ASCII) as %XX.
std::string cookie_encode(std::string_view value);

/// Appends one server-sent event carrying `payload`: a `data: ` line per line of it (split at
/// CR, LF or CRLF, as an EventSource splits), then a blank line; an empty payload is the comment
/// `: keepalive`.
void append_event(std::string& out, std::string_view payload);

/// Whether an If-None-Match header's value names `etag` (weak comparison, RFC 9110 13.1.2) or
/// is "*".
bool etag_matches(std::string_view if_none_match, std::string_view etag);

/// `text` with &, <, >, " and ' as character references.
std::string html_escape(std::string_view text);

/// The built-in login page: a form posting `token` and `next` to /login, `message` above it
/// (escaped). It carries no data of the engine.
std::string login_page(std::string_view next, std::string_view message);

}  // namespace ballast::http
