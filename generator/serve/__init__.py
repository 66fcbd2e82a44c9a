"""``cablesite serve``: build, serve the output on this machine, rebuild on every change, reload the pages."""
