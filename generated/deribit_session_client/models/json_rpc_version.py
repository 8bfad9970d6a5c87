from typing import Literal

JsonRpcVersion = Literal["2.0"]

JSON_RPC_VERSION_VALUES: set[JsonRpcVersion] = {
    "2.0",
}


def check_json_rpc_version(value: str) -> JsonRpcVersion:
    if value in JSON_RPC_VERSION_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {JSON_RPC_VERSION_VALUES!r}")
