// Private to config/: the files a configuration names (market data, the volume profile, TLS files,
// FIX data dictionaries): resolving relative paths against the configuration file's directory, and
// opening and reading each one through so a missing, unreadable or malformed file is a diagnostic
// naming the key, the file and the line, at check time instead of mid-session.
#pragma once

#include <filesystem>

#include "ballast/config/config.hpp"
#include "yaml_reader.hpp"

namespace ballast::config::detail {

/// Rewrites every relative input path of `s` (market_data.sources[].path(s),
/// execution.volume_profile, fix.sessions[].tls.{ca,cert,key}_file and data_dictionary,
/// operator.http.tls.{cert,key}_file) as
/// `base_dir / path`, lexically normalised. Absolute paths, empty paths and an empty `base_dir`
/// leave a path as it is. Output locations (journal.dir, store_dir, log_dir, logging.file) are
/// not touched: they stay relative to the working directory.
void resolve_input_paths(Settings& s, const std::filesystem::path& base_dir);

/// Opens every input file of `s` and reports each problem in `doc` at the key that names the file
/// ("market_data.sources[0].path: data/x.csv:12: field 3 ..."). Files of disabled FIX sessions are
/// not checked (like their secrets). The operator server's certificate and key (TLS on) are also
/// loaded as the server loads them: a key that does not match, say, is reported here. With
/// `contents`, market-data files and the volume profile are also read through with the readers
/// `ballast run` uses (every row checked; unknown symbols are errors unless the source's `symbols`
/// maps them); without it, only that each file opens.
void check_input_files(Document& doc, const Settings& s, bool contents);

}  // namespace ballast::config::detail
