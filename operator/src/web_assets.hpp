// The dashboard's static files (operator/web/), compiled into the binary by
// operator/embed_assets.cmake: served from memory, nothing read at run time, nothing fetched from
// another host.
#pragma once

#include <cstddef>
#include <string_view>

namespace ballast::ops::web {

struct Asset {
  const char* name;          ///< file name, e.g. "dashboard.js"
  const char* content_type;  ///< e.g. "text/javascript; charset=utf-8"
  std::string_view bytes;
};

extern const Asset kAssets[];
extern const std::size_t kAssetCount;

}  // namespace ballast::ops::web
