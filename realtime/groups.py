"""Channel-layer group names. Every group that carries shop data names the shop."""


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"
