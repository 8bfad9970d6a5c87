"""What the runtime knows from openapi.yaml: the operation table the generated package
registers (:mod:`.registry`, :mod:`.operations`), reading answers into the generated models
(:mod:`.answers`, :mod:`.models`) and the package's version (:mod:`.meta`)."""
