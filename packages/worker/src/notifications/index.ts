export { parseNotifyConfig, notifySchema, NOTIFY_EVENTS, DEFAULT_EVENTS, type NotifyConfig, type NotifyChannel, type NotifyEvent } from './config.js';
export { feishuSign, feishuBody, feishuAccepted } from './feishu.js';
export { Notifier, type Notification } from './notifier.js';
