// models/detail/name_index.hpp.
#include "tapegrad/models/detail/name_index.hpp"

namespace tapegrad::detail {

NameIndexWork& name_index_work() {
  static NameIndexWork work;
  return work;
}

}  // namespace tapegrad::detail
