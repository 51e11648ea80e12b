"""Health and call-quality monitoring over SNMPv3: poller, vendor tables, alarms."""

from .alarms import AlarmEngine, AlarmEvent, AlarmKind, FlapDamping, QualityThresholds, Severity
from .health import CallQuality, InterfaceStatus, SnmpHealth, interpret
from .snmp import SnmpPoller, SnmpTarget
from .targets import TargetsFile, load_targets
from .vendors import Metric, VendorProfile, builtin_profiles, load_profiles
from .watch import SnmpMonitor

__all__ = [
    "AlarmEngine", "AlarmEvent", "AlarmKind", "CallQuality", "FlapDamping", "InterfaceStatus",
    "Metric", "QualityThresholds", "Severity", "SnmpHealth", "SnmpMonitor", "SnmpPoller",
    "SnmpTarget", "TargetsFile", "VendorProfile", "builtin_profiles", "interpret",
    "load_profiles", "load_targets",
]
