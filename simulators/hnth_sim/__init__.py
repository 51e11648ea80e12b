"""hnth_sim: device simulators that speak the same wire protocols as the real equipment.

Simulators import only ``hnth_drivers.model``, ``hnth_drivers.errors`` and the library's
sans-I/O protocol codecs, never a driver.
"""
