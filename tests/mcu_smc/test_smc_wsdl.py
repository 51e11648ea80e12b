"""Our WSDL: loads strictly, ships in the package, matches the services table, declares
only elements docs/mcu-smc.md names with their source, and answers resultCode first."""

from __future__ import annotations

import re
from pathlib import Path

import zeep
from lxml import etree  # type: ignore[import-untyped]

from hnth_drivers.mcu.smc_client import SAFE_SETTINGS, codec
from hnth_drivers.mcu.smc_protocol import PORTS, SERVICES, WSDL_PATH, wsdl_bytes

XS = "{http://www.w3.org/2001/XMLSchema}"
DOC = (Path(__file__).resolve().parents[2] / "docs" / "mcu-smc.md").read_text()


def test_loads_strictly_from_the_package() -> None:
    assert WSDL_PATH.parent.name == "wsdl" and WSDL_PATH.parent.parent.name == "mcu"
    client = zeep.Client(str(WSDL_PATH), settings=SAFE_SETTINGS)  # type: ignore[no-untyped-call]
    ports = client.wsdl.services["SmcEsdkTp"].ports
    for path, port in PORTS.items():
        assert ports[port].binding_options["address"].endswith(f"/esdk/services/{path}")
        operations = set(ports[port].binding._operations)
        assert operations == set(SERVICES[path])


def test_children_are_unqualified() -> None:
    schema = etree.fromstring(wsdl_bytes()).find(f".//{XS}schema")
    assert schema.get("elementFormDefault") is None        # as the vendor's schema
    sent = codec().envelope("setSitesMuteEx", {"confId": "1", "siteUris": ["u"], "isMute": 0})
    body = etree.fromstring(sent)[0][0]
    assert body.tag == "{http://smc.huawei.com/}setSitesMuteEx"
    assert [child.tag for child in body] == ["confId", "siteUris", "isMute"]


def test_every_reply_starts_with_result_code() -> None:
    for operations in SERVICES.values():
        for name in operations:
            element = codec().operation(name).output.body
            first, spec = element.type.elements[0]
            assert (first, spec.min_occurs, spec.type.name) == ("resultCode", 1, "int"), name


def test_every_declared_element_is_named_in_the_docs() -> None:
    root = etree.fromstring(wsdl_bytes())
    names = {el.get("name") for el in root.iter(f"{XS}element")}
    names |= {el.get("name") for el in root.iter(f"{XS}complexType") if el.get("name")}
    # "<operation>Response" is the reply of a named operation (the docs say so once)
    names = {n[:-len("Response")] if n.endswith("Response") else n for n in names}
    missing = sorted(n for n in names if not re.search(rf"`{re.escape(n)}`|\b{re.escape(n)}\b",
                                                           DOC))
    assert missing == []
    for name in [n for ops in SERVICES.values() for n in ops]:
        row = next((line for line in DOC.splitlines() if f"`{name}`" in line), "")
        assert "eSDK_tp_" in row or "vendor WSDL" in row, name
