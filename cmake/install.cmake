# Install: the public headers under include/tapegrad/ (folders as in this tree; detail/ folders
# are private and stay out), the three libraries and the command, and one CMake package whose
# components are the libraries:
#
#   find_package(tapegrad REQUIRED COMPONENTS core)   # tapegrad::core: needs fmt and a BLAS only
#   find_package(tapegrad REQUIRED)                   # core, io, views and tapegrad::tapegrad
#
# plus a pkg-config file for the core (tapegrad-core.pc).
include(CMakePackageConfigHelpers)

set(tapegrad_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/tapegrad)

function(tapegrad_install_headers component)
  foreach(pattern IN LISTS ARGN)
    file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${pattern})
    foreach(header IN LISTS headers)
      file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${header})
      get_filename_component(folder ${relative} DIRECTORY)
      install(FILES ${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tapegrad/${folder}
              COMPONENT ${component})
    endforeach()
  endforeach()
endfunction()
tapegrad_install_headers(core core.hpp tapegrad.hpp graph/*.hpp ops/*.hpp optim/*.hpp
                         optim/detail/*.hpp models/*.hpp models/seed/*.hpp)
tapegrad_install_headers(io io.hpp models/io/*.hpp)
tapegrad_install_headers(views views.hpp graph/views/*.hpp)

foreach(library core io views)
  install(TARGETS tapegrad_${library} EXPORT tapegrad-${library}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${library})
  install(EXPORT tapegrad-${library} NAMESPACE tapegrad:: FILE tapegrad-${library}-targets.cmake
          DESTINATION ${tapegrad_package_dir} COMPONENT ${library})
endforeach()
install(TARGETS tapegrad EXPORT tapegrad-all)
install(EXPORT tapegrad-all NAMESPACE tapegrad:: FILE tapegrad-all-targets.cmake
        DESTINATION ${tapegrad_package_dir})

configure_package_config_file(cmake/tapegradConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/tapegradConfig.cmake INSTALL_DESTINATION ${tapegrad_package_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/tapegradConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tapegradConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/tapegradConfigVersion.cmake DESTINATION ${tapegrad_package_dir})

# pkg-config: the prefix is found from the file's own place, so a copied or staged install works.
file(RELATIVE_PATH tapegrad_pc_to_prefix
     ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
# oneDNN has no pkg-config file of its own: its library and the OpenMP runtime it runs on are
# named here (the core is a static library, so its consumers link them).
set(tapegrad_pc_gemm_libs "")
if(TAPEGRAD_GEMM STREQUAL "onednn")
  set(tapegrad_pc_gemm_libs "-ldnnl ${TAPEGRAD_GOMP_LIBRARY}")
endif()
configure_file(cmake/tapegrad-core.pc.in ${CMAKE_CURRENT_BINARY_DIR}/tapegrad-core.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tapegrad-core.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT core)
