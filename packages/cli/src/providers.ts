import { localProvider } from '@runlens/local';

export const providers = [localProvider];
