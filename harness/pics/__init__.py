"""PICS (Protocol Implementation Conformance Statement): the model of a charge point's claims, loaded from YAML.

    from harness.pics import load_pics
    pics = load_pics("pics/bsec-22k-a2-ccs2-400s.yaml")
    pics.feature("C-07"), pics.aq("AQ-7.2"), pics.ors("ORS-1"), pics.has_fixed_cable, pics.config_id()
"""
from .load import PicsError, json_schema, load_pics, parse_pics
from .model import (
    AQ_GROUPS, AQ_IDS, AQ_TITLES, CABLE_TYPES, CERTIFICATION_PROFILES, CONNECTOR_TYPES, FEATURE_GROUPS, FEATURE_IDS,
    FEATURE_PROFILES, FEATURE_SECTIONS, FEATURE_TITLES, HFS_FIELDS, HFS_TITLES, MEASURAND_IDS, MEASURANDS,
    ORS_LIST_IDS, ORS_REQUIRED_BY_PROFILE, ORS_TITLES, PERFORMANCE_TITLES, PROFILE_DESCRIPTIONS, REDACTED,
    SECRET_CONFIGURATION_KEYS, SECURITY_PROFILES, CertificateInfo, ConfigurationKeyDeclaration, Connector, Hardware,
    IdTags, Intervals, MeasurandSupport, Measurands, Performance, Pics, Product, TestSetup, Timeouts, title,
)

__all__ = [
    "AQ_GROUPS", "AQ_IDS", "AQ_TITLES", "CABLE_TYPES", "CERTIFICATION_PROFILES", "CONNECTOR_TYPES", "FEATURE_GROUPS",
    "FEATURE_IDS", "FEATURE_PROFILES", "FEATURE_SECTIONS", "FEATURE_TITLES", "HFS_FIELDS", "HFS_TITLES",
    "MEASURAND_IDS", "MEASURANDS", "ORS_LIST_IDS", "ORS_REQUIRED_BY_PROFILE", "ORS_TITLES", "PERFORMANCE_TITLES",
    "PROFILE_DESCRIPTIONS", "REDACTED", "SECRET_CONFIGURATION_KEYS", "SECURITY_PROFILES", "CertificateInfo",
    "ConfigurationKeyDeclaration", "Connector", "Hardware", "IdTags", "Intervals", "MeasurandSupport", "Measurands",
    "Performance", "Pics", "PicsError", "Product", "TestSetup", "Timeouts", "json_schema", "load_pics", "parse_pics",
    "title",
]
