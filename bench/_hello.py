"""The reference: a minimal Litestar endpoint, served like Tremplin in the same run."""

from litestar import Litestar, get


@get("/")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar([hello])
