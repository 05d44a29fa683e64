#include "ballast/http/prometheus.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace ballast::http {

namespace {

void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void write_head(std::string& out, std::string_view name, std::initializer_list<Label> labels) {
  out += name;
  if (labels.size() == 0) return;
  out += '{';
  bool first = true;
  for (const Label& l : labels) {
    if (!first) out += ',';
    first = false;
    out += l.first;
    out += "=\"";
    append_escaped(out, l.second, true);
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string metric_name(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 1);
  if (!name.empty() && name.front() >= '0' && name.front() <= '9') out += '_';
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    out += ok ? c : '_';
  }
  return out;
}

void write_family(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void write_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  std::uint64_t value) {
  write_head(out, name, labels);
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out += ' ';
  out.append(buf, r.ptr);
  out += '\n';
}

void write_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  double value) {
  write_head(out, name, labels);
  out += ' ';
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr);
  }
  out += '\n';
}

void write_histogram(std::string& out, std::string_view name, std::string_view help,
                     const LatencyHistogram& h) {
  write_family(out, name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  char le[32];
  for (std::size_t i = 0; i < h.edges(); ++i) {
    cumulative += h.bucket(i);
    const auto r = std::to_chars(le, le + sizeof le, static_cast<double>(h.edge(i)) / 1e9);
    write_sample(out, bucket, {{"le", std::string_view(le, static_cast<std::size_t>(r.ptr - le))}},
                 cumulative);
  }
  cumulative += h.bucket(h.edges());
  write_sample(out, bucket, {{"le", "+Inf"}}, cumulative);
  write_sample(out, std::string(name) + "_sum", {}, static_cast<double>(h.sum_ns()) / 1e9);
  write_sample(out, std::string(name) + "_count", {}, cumulative);
}

}  // namespace ballast::http
