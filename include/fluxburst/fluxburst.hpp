// The umbrella header: everything a program that embeds flux-burst uses.
#pragma once

#include <fluxburst/atomic_file.hpp>
#include <fluxburst/build_info.hpp>
#include <fluxburst/client.hpp>
#include <fluxburst/config.hpp>
#include <fluxburst/controller.hpp>
#include <fluxburst/curve_cert.hpp>
#include <fluxburst/error.hpp>
#include <fluxburst/flux.hpp>
#include <fluxburst/job.hpp>
#include <fluxburst/log.hpp>
#include <fluxburst/ordering.hpp>
#include <fluxburst/params.hpp>
#include <fluxburst/plugin.hpp>
#include <fluxburst/queue.hpp>
#include <fluxburst/report.hpp>
#include <fluxburst/selectors.hpp>
#include <fluxburst/topology.hpp>
#if FLUXBURST_HAVE_FLUX
#include <fluxburst/flux_queue.hpp>
#endif
