import { Router } from 'express';
import type { SecretRotation } from '../credentials/secretRotation';

/**
 * /admin/m2m/secret-rotation: the payment-server rotates ITS OWN client secret. The steps one by one
 * (start, complete, cancel) or all at once (POST /admin/m2m/secret-rotation). Answers show last fours only.
 */
export function rotationRoutes({ rotation }: { rotation: SecretRotation }): Router {
  const router = Router();
  router.get('/m2m/secret-rotation', (_req, res) => {
    res.json(rotation.status());
  });
  router.post('/m2m/secret-rotation', async (_req, res) => {
    res.json(await rotation.rotate());
  });
  router.post('/m2m/secret-rotation/start', async (_req, res) => {
    res.json(await rotation.start());
  });
  router.post('/m2m/secret-rotation/complete', async (_req, res) => {
    res.json(await rotation.complete());
  });
  router.post('/m2m/secret-rotation/cancel', async (_req, res) => {
    res.json(await rotation.cancel());
  });
  return router;
}
