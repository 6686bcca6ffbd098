// models/name_index.hpp.
#include "name_index.hpp"

namespace tapegrad::detail {

NameIndexWork& name_index_work() {
  static NameIndexWork work;
  return work;
}

}  // namespace tapegrad::detail
