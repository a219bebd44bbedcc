import { z } from 'zod';
import { defineSlice } from './define.js';
import { appInfoSchema, settingsPatchSchema, settingsSchema } from './schemas.js';

/** Input of methods that take none: `undefined` or `{}`. */
export const noInput = z.strictObject({}).optional();

/** The app itself: what it is and where it runs, and the user's settings. */
export const appSlice = defineSlice({
  methods: {
    'app.info': { input: noInput, output: appInfoSchema },
    'settings.get': { input: noInput, output: settingsSchema },
    'settings.set': { input: settingsPatchSchema, output: settingsSchema },
  },
  events: { 'settings.changed': settingsSchema },
});
