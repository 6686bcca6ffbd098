// The fixed parts of the viewer's page (tools/viewer.hpp), between which viewer_html puts the
// title, the frames and the data:
//   kHead, the title (HTML-escaped), kStyle, the frames (div.frame), the data (a JSON
//   script), kScript.
// kStyle ends inside the drawing's container and kScript begins by closing it.
#pragma once

#include <string_view>

namespace tapegrad::tools::viewer_page {

extern const std::string_view kHead;
extern const std::string_view kStyle;
extern const std::string_view kScript;

}  // namespace tapegrad::tools::viewer_page
