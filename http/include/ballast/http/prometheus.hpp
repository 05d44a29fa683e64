// The Prometheus text exposition format (version 0.0.4): what `/metrics` answers
// (docs/operator.md). Appends to a caller's string, which a server reuses scrape after scrape.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "ballast/base/histogram.hpp"

namespace ballast::http {

/// The Content-Type of the format.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

using Label = std::pair<std::string_view, std::string_view>;

/// `name` made a valid metric name: every character outside [a-zA-Z0-9_:] becomes '_', and a
/// leading digit gets a '_' before it ("engine.inputs" -> "engine_inputs").
std::string metric_name(std::string_view name);

/// "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram); backslashes and
/// line breaks in `help` escaped as the format says.
void write_family(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help);

/// One sample line: `name{label="value",...} value`. Label values are escaped (\\, \", \n).
void write_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  std::uint64_t value);
void write_sample(std::string& out, std::string_view name, std::initializer_list<Label> labels,
                  double value);

/// A histogram family in seconds: `name_bucket{le="..."}` cumulative up to `+Inf`, `name_sum`,
/// `name_count` (the buckets' total, so the family is consistent however the writer raced the
/// read).
void write_histogram(std::string& out, std::string_view name, std::string_view help,
                     const LatencyHistogram& h);

}  // namespace ballast::http
