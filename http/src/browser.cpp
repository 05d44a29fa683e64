// The browser side of the operator server: login form, cookie, form bodies, events, entity tags
// (browser.hpp).
#include "ballast/http/browser.hpp"

namespace ballast::http {

namespace {

int hex_digit(char h) noexcept {
  if (h >= '0' && h <= '9') return h - '0';
  if (h >= 'a' && h <= 'f') return h - 'a' + 10;
  if (h >= 'A' && h <= 'F') return h - 'A' + 10;
  return -1;
}

/// %XX decoded (and '+' as a space when `plus`); false on a bad escape.
bool percent_decode(std::string_view in, bool plus, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int hi = hex_digit(in[i + 1]);
      const int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// RFC 6265 cookie-octet, less '%' (the escape itself).
bool cookie_octet(unsigned char c) noexcept {
  return c == 0x21 || (c >= 0x23 && c <= 0x2b && c != 0x25) || (c >= 0x2d && c <= 0x3a) ||
         (c >= 0x3c && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

}  // namespace

std::string local_redirect(std::string_view next) {
  if (next.empty() || next.size() > 1024 || next.front() != '/') return "/";
  if (next.size() > 1 && (next[1] == '/' || next[1] == '\\')) return "/";
  // The characters of a URI's path, query and fragment (RFC 3986): no controls (a CR or LF
  // would end the Location header), no space, no '\\' (browsers read it as '/'), no quote or
  // angle bracket, nothing outside ASCII.
  static constexpr std::string_view kAllowed = "-._~%!$&'()*+,;=:@/?#";
  for (const char c : next) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && kAllowed.find(c) == std::string_view::npos) return "/";
  }
  return std::string(next);
}

std::optional<std::string> form_value(std::string_view form, std::string_view name) {
  while (!form.empty()) {
    const std::size_t amp = form.find('&');
    const std::string_view part = form.substr(0, amp);
    form = amp == std::string_view::npos ? std::string_view() : form.substr(amp + 1);
    const std::size_t eq = part.find('=');
    std::string key;
    if (!percent_decode(part.substr(0, eq), true, key) || key != name) continue;
    std::string value;
    if (eq == std::string_view::npos) return value;
    if (!percent_decode(part.substr(eq + 1), true, value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::vector<std::string> cookie_values(std::string_view header, std::string_view name) {
  std::vector<std::string> out;
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    const std::string_view pair = trim(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
    std::string_view v = trim(pair.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    std::string decoded;
    if (percent_decode(v, false, decoded)) out.push_back(std::move(decoded));
  }
  return out;
}

std::string cookie_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (cookie_octet(u)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

void append_event(std::string& out, std::string_view payload) {
  if (payload.empty()) {
    out += ": keepalive\n\n";
    return;
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = payload.find_first_of("\r\n", start);
    out += "data: ";
    out +=
        payload.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (payload[end] == '\r' && start < payload.size() && payload[start] == '\n') ++start;
  }
  out += '\n';
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (etag.substr(0, 2) == "W/") etag.remove_prefix(2);
  while (!if_none_match.empty()) {
    const std::size_t comma = if_none_match.find(',');
    std::string_view tag = trim(if_none_match.substr(0, comma));
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (!tag.empty() && tag == etag) return true;
  }
  return false;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string login_page(std::string_view next, std::string_view message) {
  std::string page =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Ballast: sign in</title><style>"
      "body{font:16px system-ui,sans-serif;max-width:22rem;margin:12vh auto;padding:0 1rem}"
      "input,button{font:inherit;width:100%;box-sizing:border-box;margin:.3rem 0;padding:.5rem}"
      "p{color:#555}</style></head>\n<body><h1>Ballast</h1><p>";
  page += html_escape(message);
  page +=
      "</p>\n<form method=\"post\" action=\"/login\"><label for=\"token\">Token</label>"
      "<input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" "
      "required autofocus><input type=\"hidden\" name=\"next\" value=\"";
  page += html_escape(local_redirect(next));
  page += "\"><button type=\"submit\">Sign in</button></form></body></html>\n";
  return page;
}

}  // namespace ballast::http
