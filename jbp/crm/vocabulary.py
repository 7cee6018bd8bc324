"""The fixed words of the CRM: event kinds and message channels (with the customer field each one sends to)."""

from __future__ import annotations

EVENT_KINDS = ("bom_upload", "quote", "order", "search", "inquiry", "message_sent", "message_clicked")

# channel -> the customer field holding its address
CHANNEL_ADDRESS = {"wangwang": "wangwang", "sms": "phone", "email": "email", "wecom": "wecom"}
CHANNELS = tuple(CHANNEL_ADDRESS)

# what people write for a channel in a customer file (folded to lower case)
CHANNEL_ALIASES = {
    "wangwang": "wangwang", "旺旺": "wangwang", "aliwangwang": "wangwang",
    "sms": "sms", "短信": "sms", "phone": "sms", "手机": "sms",
    "email": "email", "e-mail": "email", "mail": "email", "邮件": "email", "邮箱": "email",
    "wecom": "wecom", "wechat_work": "wecom", "wechatwork": "wecom", "wechat work": "wecom", "企业微信": "wecom",
}
