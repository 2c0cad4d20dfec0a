# Finds Debian's libgiftiio (no CMake config ships with it) and the niftiio/znz libraries it needs.
# Defines the imported target Giftiio::Giftiio. Never link libnifti2 into the same process: its
# symbols clash with niftiio's.
find_path(Giftiio_INCLUDE_DIR gifti_io.h PATH_SUFFIXES gifti)
find_path(Giftiio_NIFTI_INCLUDE_DIR nifti1_io.h PATH_SUFFIXES nifti)
find_library(Giftiio_LIBRARY giftiio)
find_library(Giftiio_NIFTIIO_LIBRARY niftiio)
find_library(Giftiio_ZNZ_LIBRARY znz)
find_package(EXPAT QUIET)
find_package(ZLIB QUIET)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Giftiio REQUIRED_VARS Giftiio_LIBRARY Giftiio_INCLUDE_DIR
  Giftiio_NIFTI_INCLUDE_DIR Giftiio_NIFTIIO_LIBRARY Giftiio_ZNZ_LIBRARY)

if(Giftiio_FOUND AND NOT TARGET Giftiio::Giftiio)
  add_library(Giftiio::Giftiio UNKNOWN IMPORTED)
  set_target_properties(Giftiio::Giftiio PROPERTIES
    IMPORTED_LOCATION "${Giftiio_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Giftiio_INCLUDE_DIR};${Giftiio_NIFTI_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${Giftiio_NIFTIIO_LIBRARY};${Giftiio_ZNZ_LIBRARY}")
  if(TARGET ZLIB::ZLIB)
    set_property(TARGET Giftiio::Giftiio APPEND PROPERTY INTERFACE_LINK_LIBRARIES ZLIB::ZLIB)
  endif()
endif()
mark_as_advanced(Giftiio_INCLUDE_DIR Giftiio_NIFTI_INCLUDE_DIR Giftiio_LIBRARY Giftiio_NIFTIIO_LIBRARY
  Giftiio_ZNZ_LIBRARY)
