// Private to config/: reads a parsed YAML document into Settings (the schema).
#pragma once

#include <yaml-cpp/yaml.h>

#include "ballast/config/config.hpp"
#include "yaml_reader.hpp"

namespace ballast::config::detail {

/// Reads every section of `root` (a mapping) into `s`, reporting type and format problems and
/// unknown keys to `doc`. Values that cannot be read keep their defaults.
void read_settings(Document& doc, const YAML::Node& root, Settings& s);

}  // namespace ballast::config::detail
