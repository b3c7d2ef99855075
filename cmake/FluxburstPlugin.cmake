# fluxburst_add_plugin(NAME <name> SOURCES <src>... [LIBRARIES <lib>...]
#                      [OUTPUT_DIRECTORY <dir>] [DESTINATION <dir>] [NO_INSTALL])
#
# Builds libfluxburst_<name>.so, a plugin that libfluxburst can load: C++17,
# linked to fluxburst::fluxburst, every symbol hidden but the entry points the
# FLUXBURST_PLUGIN macro exports. Installs it into DESTINATION, by default the
# plugin directory of the fluxburst package it was built against (relative to the
# install prefix), unless NO_INSTALL is given (or, in a flux-burst build included
# by another project, FLUXBURST_INSTALL is OFF). The target is named
# fluxburst_plugin_<name>.
function(fluxburst_add_plugin)
  cmake_parse_arguments(ARG "NO_INSTALL" "NAME;OUTPUT_DIRECTORY;DESTINATION" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_NAME)
    message(FATAL_ERROR "fluxburst_add_plugin: NAME is required")
  endif()
  if(NOT ARG_NAME MATCHES "^[a-z0-9][a-z0-9_-]*$")
    message(FATAL_ERROR "fluxburst_add_plugin: NAME '${ARG_NAME}' must be lower-case letters, digits, _ and - (not first)")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "fluxburst_add_plugin(${ARG_NAME}): SOURCES is required")
  endif()
  set(target fluxburst_plugin_${ARG_NAME})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE fluxburst::fluxburst ${ARG_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_17)
  set_target_properties(${target} PROPERTIES
    PREFIX "lib"
    OUTPUT_NAME fluxburst_${ARG_NAME}
    SUFFIX ".so"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  if(NOT ARG_NO_INSTALL AND NOT (DEFINED FLUXBURST_INSTALL AND NOT FLUXBURST_INSTALL))
    if(ARG_DESTINATION)
      set(dest ${ARG_DESTINATION})
    elseif(DEFINED FLUXBURST_PLUGIN_INSTALL_DIR)
      set(dest ${FLUXBURST_PLUGIN_INSTALL_DIR})
    else()
      set(dest lib/fluxburst/plugins)
    endif()
    install(TARGETS ${target} LIBRARY DESTINATION ${dest})
  endif()
endfunction()
